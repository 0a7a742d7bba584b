"""Demo data of the custody area (registered with ``core.demo`` at order 310, after the
asset register): last term's end-of-term hand-overs of every classroom (all signed, one
damaged set of chairs charged to its class and paid), this term's start hand-overs (all
signed but 大四班's, waiting for its teacher) and the art room being handed to the 小一班
teacher (waiting for her signature), loans (one overdue, one
out, one returned, one requested), a second damage record (with a repair request when the
maintenance module offers them), one approved and one pending disposal request.

Everything goes through :mod:`houqin.assets.custody_services` (validated and audited), with
historical times passed as ``now``. Dates are relative to the day the demo is loaded; when
the calendar has no term before the current one, last term (第二学期 of the previous school
year) is added.
"""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, Condition, Damage, DisposalRequest, Handover
from houqin.core import approvals
from houqin.core.demo import MAIN_CODE


def _at(day, hour=10, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _signature(seed):
    """A handwritten-looking squiggle, as the signature pad would send it."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (600, 200), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    points = [(40 + i * 26, 100 + ((i * (seed + 7)) % 9 - 4) * 12) for i in range(20)]
    draw.line(points, fill=(17, 17, 17, 255), width=5, joint="curve")
    out = io.BytesIO()
    img.save(out, "PNG")
    return ContentFile(out.getvalue(), name="signature.png")


def _terms(ctx, campus):
    """(last term, this term): the term running today (or the latest started) and the one
    before it, which is created when the calendar does not have it."""
    from houqin.core.models import SchoolYear, Term
    from houqin.core.services import object_save

    today = timezone.localdate()
    terms = sorted(Term.objects.filter(campus=campus), key=lambda t: t.start_date)
    started = [t for t in terms if t.start_date <= today] or terms[:1]
    if not started:
        return None, None
    current = next((t for t in terms if t.start_date <= today <= t.end_date), started[-1])
    earlier = [t for t in terms if t.end_date < current.start_date]
    if earlier:
        return earlier[-1], current
    year = current.school_year.start_date.year
    school_year = SchoolYear.objects.filter(
        campus=campus, end_date__lt=current.school_year.start_date
    ).first()
    if school_year is None:
        school_year = object_save(
            actor=None, campus=campus, message="demo data",
            instance=SchoolYear(name=f"{year - 1}—{year}学年", start_date=dt.date(year - 1, 8, 1),
                                end_date=dt.date(year, 7, 31)),
        )  # fmt: skip
    last = object_save(
        actor=None, campus=campus, message="demo data",
        instance=Term(school_year=school_year, name=f"{year - 1}—{year}学年第二学期", kind=Term.Kind.SPRING,
                      start_date=dt.date(year, 2, 23), end_date=dt.date(year, 7, 10), school_weekdays=[0, 1, 2, 3, 4]),
    )  # fmt: skip
    ctx.terms[(campus.code, "previous")] = last
    return last, current


def add_demo_rows(ctx):
    campus = ctx.campuses[MAIN_CODE]
    users = ctx.users
    keeper = users["assets"]
    last, current = _terms(ctx, campus)
    if current is None:
        return
    _last_term_handovers(ctx, campus, last, keeper)
    _this_term_handovers(ctx, campus, current, keeper)
    _loans(ctx, campus, keeper)
    _damage(ctx, campus, keeper)
    _disposals(ctx, campus, keeper)


def _last_term_handovers(ctx, campus, term, keeper):
    """期末交还: every classroom handed to the asset office, signed on the last school day;
    中一班's chairs came back damaged (a damage record for the class, paid in full)."""
    result = services.handover_create_for_term(
        actor=keeper, campus=campus, term=term, kind=Handover.Kind.TERM_END
    )
    signed_at = _at(term.end_date, 15)
    for n, handover in enumerate(result.created):
        if handover.school_class and handover.school_class.name == "中一班":
            line = handover.lines.filter(name="幼儿桌椅").first()
            if line is not None:
                services.handover_lines_update(
                    actor=handover.from_user, handover=handover,
                    changes={line.pk: {"present": True, "condition": Condition.DAMAGED,
                                       "note": "两把幼儿椅椅腿断裂"}},
                )  # fmt: skip
        services.handover_sign(actor=handover.from_user, handover=handover, side="from", now=signed_at,
                               signature=_signature(n) if n % 3 == 0 else None)  # fmt: skip
        services.handover_sign(actor=handover.to_user, handover=handover, side="to", now=signed_at,
                               signature=_signature(n + 1) if n % 3 == 0 else None)  # fmt: skip
    damage = Damage.objects.filter(campus=campus, source=Damage.Source.HANDOVER).order_by("id").first()
    if damage is not None:
        services.damage_set_compensation(actor=keeper, damage=damage, amount=Decimal("360.00"),
                                         note="两把幼儿椅，按原价每把180元赔偿（人为损坏照价赔偿）")  # fmt: skip
        services.compensation_receive(
            actor=ctx.users["cashier"], damage=damage, amount=Decimal("360.00"),
            receipt_number=f"SJ{term.end_date:%Y%m%d}01", received_on=term.end_date, payer_name="中一班家委会",
        )  # fmt: skip


def _this_term_handovers(ctx, campus, term, keeper):
    """期初接收: the asset office hands each classroom to its head teacher, signed in the
    first days of term except 大四班's (the teacher has not signed yet); and the art room
    (美工室) is being handed to the 小一班 teacher, who still has to sign."""
    result = services.handover_create_for_term(
        actor=keeper, campus=campus, term=term, kind=Handover.Kind.TERM_START
    )
    today = timezone.localdate()
    day = min(term.start_date + dt.timedelta(days=2), today)
    for n, handover in enumerate(result.created):
        services.handover_sign(actor=keeper, handover=handover, side="from", now=_at(day, 9))
        if handover.school_class and handover.school_class.name == "大四班":
            continue
        services.handover_sign(
            actor=handover.to_user,
            handover=handover,
            side="to",
            now=_at(day, 16),
            signature=_signature(n + 5) if n % 2 == 0 else None,
        )
    art_room = ctx.rooms.get((MAIN_CODE, "美工室"))
    if art_room is not None and services.room_assets(art_room).exists():
        handover = services.handover_create(
            actor=keeper, campus=campus, term=term, room=art_room, kind=Handover.Kind.CHANGE,
            to_user=ctx.users["teacher"], note="美工室由小一班李晓燕老师兼管",
        )  # fmt: skip
        services.handover_sign(actor=keeper, handover=handover, side="from")


def _asset(campus, room_name, name, statuses=None):
    qs = Asset.objects.filter(campus=campus, room__name=room_name, name=name)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("id").first()


def _loans(ctx, campus, keeper):
    users = ctx.users
    today = timezone.localdate()
    lendable = services.LENDABLE
    # overdue: the spare projector of the meeting room, lent to the 小一班 teacher
    projector = _asset(campus, "会议室", "投影仪", lendable)
    if projector is not None:
        lent = today - dt.timedelta(days=20)
        services.loan_lend(
            actor=keeper, campus=campus, asset=projector, borrower=users["teacher"],
            school_class=ctx.classes.get((MAIN_CODE, "小一班")), due_on=today - dt.timedelta(days=6),
            purpose="小一班家长开放日活动", condition_out=Condition.GOOD, note_out="含遥控器、电源线",
            now=_at(lent, 9),
        )  # fmt: skip
    # out, due in 11 days
    scale = _asset(campus, "保健室", "视力表灯箱", lendable)
    if scale is not None:
        services.loan_lend(
            actor=keeper, campus=campus, asset=scale, borrower=users["health"], due_on=today + dt.timedelta(days=11),
            purpose="西区分园幼儿视力筛查借用", condition_out=Condition.GOOD, now=_at(today - dt.timedelta(days=3), 8),
        )  # fmt: skip
    # returned last month
    ladder = _asset(campus, "物资仓库", "铝合金人字梯", lendable)
    if ladder is not None:
        loan = services.loan_lend(
            actor=keeper, campus=campus, asset=ladder, borrower=users["repair"],
            due_on=today - dt.timedelta(days=30), purpose="更换走廊灯管",
            condition_out=Condition.GOOD, now=_at(today - dt.timedelta(days=33), 8),
        )  # fmt: skip
        services.loan_return(actor=keeper, loan=loan, condition_in=Condition.WORN, note_in="踏板有轻微划痕",
                             now=_at(today - dt.timedelta(days=31), 16))  # fmt: skip
    # a request waiting for the keeper
    speaker = _asset(campus, "中二班活动室", "蓝牙音箱", lendable)
    if speaker is not None:
        services.loan_request(
            actor=users["childcare"], campus=campus, asset=speaker, purpose="户外早操播放音乐",
            due_on=today + dt.timedelta(days=7),
        )  # fmt: skip


def _damage(ctx, campus, keeper):
    """A water dispenser knocked over in 中三班 (nobody to blame), sent for repair."""
    dispenser = _asset(campus, "中三班活动室", "饮水机", (Asset.Status.IN_USE,))
    if dispenser is None:
        return
    damage = services.damage_record(
        actor=keeper, campus=campus, asset=dispenser,
        data={"kind": Damage.Kind.DAMAGED, "occurred_on": timezone.localdate() - dt.timedelta(days=2),
              "description": "幼儿自由活动时饮水机被碰倒，出水龙头断裂", "responsible_kind": Damage.Responsible.UNKNOWN},
    )  # fmt: skip
    if services.repairs_available():
        services.damage_open_repair(actor=keeper, damage=damage)


def _disposals(ctx, campus, keeper):
    users = ctx.users
    # approved write-off: the missing teachers' books and the burnt-out drill
    approved = services.disposal_create(
        actor=keeper, campus=campus,
        data={"kind": DisposalRequest.Kind.WRITE_OFF, "reason": "期末盘点确认教师用书丢失；冲击钻电机烧毁，维修费用高于购置价",
              "recipient": "区再生资源回收站"},
    )  # fmt: skip
    for room, name, residual in (("图书室", "教师用书", "0"), ("维修间", "冲击钻", "20.00")):
        asset = (
            Asset.objects.filter(campus=campus, room__name=room, name=name)
            .exclude(status=Asset.Status.DISPOSED)
            .first()
        )
        if asset is not None:
            services.disposal_add_asset(
                actor=keeper, request=approved, asset=asset, residual_value=Decimal(residual)
            )
    if approved.lines.exists():
        approval = services.disposal_submit(actor=keeper, request=approved)
        if approval.status == "pending":
            approvals.approve(actor=users["logistics"], approval=approval, comment="情况属实，同意报损")
        if approval.status == "pending":
            approvals.approve(actor=users["principal"], approval=approval, comment="同意")
    # pending scrap: the replaced copier
    pending = services.disposal_create(
        actor=keeper, campus=campus,
        data={"kind": DisposalRequest.Kind.SCRAP, "reason": "已由彩色复印机替代，机器老化频繁卡纸，无维修价值"},
    )  # fmt: skip
    copier = (
        Asset.objects.filter(campus=campus, room__name="教师办公室", name="打印复印一体机")
        .exclude(status=Asset.Status.DISPOSED)
        .first()
    )
    if copier is not None:
        services.disposal_add_asset(
            actor=keeper, request=pending, asset=copier, residual_value=Decimal("50.00")
        )
        services.disposal_submit(actor=keeper, request=pending)
