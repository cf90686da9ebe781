import pytest

from loaners.models import Loaner
from loaners.services import loaner_add


@pytest.fixture
def loaner(personas) -> Loaner:
    return loaner_add(
        branch=personas.branch,
        name="iPhone 11 64 GB",
        serial="F17ZK2LMN72",
        condition="Small scratch on the back",
        by=personas.manager,
    )
