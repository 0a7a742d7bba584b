// Children-by-grade bar chart on the home dashboard (Apache ECharts, served locally).
(function () {
  var el = document.getElementById("chart-grades");
  var data = JSON.parse(document.getElementById("grade-data").textContent);
  if (!el || !window.echarts) return;
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 40, right: 10, top: 10, bottom: 30 },
    tooltip: {},
    xAxis: { type: "category", data: data.map(function (d) { return d.name; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: data.map(function (d) { return d.value; }), itemStyle: { color: "#206bc4" } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
