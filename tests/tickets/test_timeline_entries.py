"""A job's timeline entries are drawn in Python (works_orders.timeline_entry): the same bytes
the page's template drew for each, in every kind an entry comes in."""

import pytest
from django.template import Context, Template

from tests.factories import WorksOrderFactory
from tickets.models import Event, NoteKind
from tickets.services import record

pytestmark = pytest.mark.django_db

# The entry as detail.html drew it before the tag (the oracle).
AS_THE_TEMPLATE_DREW_IT = Template(
    """<li class="border-start border-3 ps-3 pb-3 {% if entry.note_kind == 'customer' %}border-success{% elif entry.event == 'note' %}border-warning{% else %}border-secondary-subtle{% endif %}">
          <div class="small text-body-secondary">{{ entry.at|date:"j M, H:i" }} · {% if entry.data.via %}{{ entry.data.via }}{% else %}{{ entry.actor.user.full_name|default:"Benchdesk" }}{% endif %}</div>
          <div><strong>{% if entry.event == "note" %}{{ entry.get_note_kind_display }}{% else %}{{ entry.get_event_display }}{% endif %}</strong>{% if entry.text %}: {{ entry.text|linebreaksbr }}{% endif %}</div>
        </li>"""  # noqa: E501
)
AS_THE_TAG_DRAWS_IT = Template("{% load works_orders %}{% timeline_entry entry %}")
VIA = "API key ‘Shop <sync>’"


def test_each_kind_of_entry_is_drawn_as_the_template_drew_it(personas):
    job = WorksOrderFactory(branch=personas.branch, by=personas.front_desk)
    personas.technician.user.full_name = ""
    personas.technician.user.save()
    customer, internal = NoteKind.CUSTOMER, NoteKind.INTERNAL
    said = 'Ready by <b>Friday</b> & "boxed"\n\nCall first'
    entries = [
        *job.timeline.all(),  # booked in, by the front desk
        record(job, Event.NOTE, personas.manager, said, note_kind=customer),
        record(job, Event.NOTE, personas.technician, "Screen clips broken", note_kind=internal),
        record(job, Event.NOTE, personas.manager, "Parts ordered", note_kind=customer, via=VIA),
        record(job, Event.NOTE, None, "Customer replied by SMS: OK", note_kind=customer),
        record(job, Event.DETAILS, personas.manager, ""),
    ]
    drawn = [AS_THE_TAG_DRAWS_IT.render(Context({"entry": entry})) for entry in entries]
    assert drawn == [AS_THE_TEMPLATE_DREW_IT.render(Context({"entry": e})) for e in entries]
    assert "Benchdesk" in drawn[4] and "&lt;b&gt;Friday&lt;/b&gt;" in drawn[1]
    assert "<br><br>" in drawn[1] and "API key ‘Shop &lt;sync&gt;’" in drawn[3]
