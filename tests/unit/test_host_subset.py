"""Nova's host_subset_size (domain/services/compute/placement.py `spread`): the first host a
boot tries is drawn from the best N candidates; the others follow in their order."""

from __future__ import annotations

import random

from domain.services.compute.placement import spread

HOSTS = ["best", "second", "third", "fourth", "fifth"]


def test_a_subset_of_one_keeps_the_scheduler_order() -> None:
    assert spread(HOSTS, 1) == HOSTS


def test_the_first_host_comes_from_the_best_n_and_every_host_stays_an_alternate() -> None:
    random.seed(7)
    firsts = set()
    for _ in range(200):
        ordered = spread(HOSTS, 3)
        firsts.add(ordered[0])
        assert sorted(ordered) == sorted(HOSTS)
        rest = [h for h in HOSTS if h != ordered[0]]
        assert ordered[1:] == rest
    assert firsts == {"best", "second", "third"}


def test_a_subset_larger_than_the_candidates_draws_among_all_of_them() -> None:
    random.seed(11)
    assert {spread(HOSTS[:2], 10)[0] for _ in range(100)} == {"best", "second"}
