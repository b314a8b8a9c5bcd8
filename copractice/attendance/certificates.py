"""The PDF certificate of completion, with its verification code and a QR code to check it."""
import io
import os

import segno
from flask import current_app
from fpdf import FPDF
from sqlalchemy import func, select

from copractice.attendance.models import ATTENDED, Attendance
from copractice.courses.models import Session
from copractice.extensions import db
from copractice.involvement import operations as involvement
from copractice.plugins import get_plugins
from copractice.timeutil import uk_date
from copractice.urls import external_url

FONT_DIR = "/usr/share/fonts/truetype/dejavu"  # Debian's fonts-dejavu-core: any name, any accent


def _dates(course_id):
    first, last = db.session.execute(select(func.min(Session.starts_at), func.max(Session.ends_at))
                                     .where(Session.course_id == course_id)).one()
    if not first:
        return ""
    first_day, last_day = uk_date(first), uk_date(last)
    return first_day if first_day == last_day else f"{first_day} to {last_day}"


def _course_hours(course_id, member_id):
    rows = db.session.execute(select(Session.starts_at, Session.ends_at).join(
        Attendance, Attendance.session_id == Session.id).where(
        Session.course_id == course_id, Attendance.member_id == member_id, Attendance.status.in_(ATTENDED))).all()
    return round(sum((end - start).total_seconds() for start, end in rows) / 3600, 1)


def verification_url(certificate):
    return external_url("attendance.verify_certificate", code=certificate.code)


def certificate_pdf(certificate):
    """Render the certificate as PDF bytes."""
    course, member = certificate.course, certificate.member
    theme = get_plugins().themes().get(course.theme_slug)
    facilitators = [f.member.name for f in course.facilitators if not f.lived_experience]
    lived = [f.member.name for f in course.facilitators if f.lived_experience]

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"Certificate: {course.title}")
    pdf.set_author(current_app.config["SERVICE_NAME"])
    pdf.set_lang("en-GB")
    regular, bold = os.path.join(FONT_DIR, "DejaVuSans.ttf"), os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")
    if os.path.exists(regular):
        pdf.add_font("Body", "", regular)
        pdf.add_font("Body", "B", bold if os.path.exists(bold) else regular)
        family = "Body"
    else:  # pragma: no cover - fonts-dejavu-core is installed by make/CI; Helvetica covers plain names
        family = "Helvetica"
    pdf.add_page()
    pdf.set_draw_color(0, 94, 184)
    pdf.set_line_width(2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_text_color(33, 43, 50)
    pdf.set_font(family, "B", 30)
    pdf.set_y(28)
    pdf.cell(0, 14, "Certificate of completion", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 14)
    pdf.cell(0, 10, "This is to certify that", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 26)
    pdf.cell(0, 14, member.name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 14)
    pdf.cell(0, 10, get_plugins().call("copractice_certificate_wording", course.theme_slug, course=course), align="C", new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_font(family, "B", 20)
    pdf.multi_cell(0, 11, course.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 12)
    details = [f"Theme: {theme.name if theme else course.theme_slug}", f"Dates: {_dates(course.id)}",
               f"Learning hours: {_course_hours(course.id, member.id)}"]
    if facilitators:
        details.append("Facilitated by: " + ", ".join(facilitators))
    if lived:
        details.append("Co-facilitators with lived experience: " + ", ".join(lived))
    co_facilitated = involvement.co_facilitators_of_course(course.id)  # only those who consent to be credited
    if co_facilitated:
        details.append("Co-facilitated by: " + ", ".join(co_facilitated))
    pdf.ln(3)
    for line in details:
        pdf.multi_cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    url = verification_url(certificate)
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, x=24, y=150, w=38, h=38)
    pdf.set_xy(68, 160)
    pdf.set_font(family, "B", 12)
    pdf.cell(0, 7, f"Verification code: {certificate.code}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(68)
    pdf.set_font(family, "", 10)
    pdf.cell(0, 6, f"Check this certificate at {url}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(68)
    pdf.cell(0, 6, f"Issued on {uk_date(certificate.issued_at)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


