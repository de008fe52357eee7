"""A resource request no node can place is refused before any trial is submitted."""

import pytest

from nasx.ray.resources import check_request, cluster_nodes, local_node
from nasx.search.setup import Resources

TWO_NODES = [{"CPU": 2.0}, {"CPU": 8.0, "GPU": 1.0}]


def test_a_request_one_node_can_place_passes():
    check_request(Resources(cpus_per_trial=8, gpus_per_trial=1), TWO_NODES, "the cluster")
    check_request(Resources(cpus_per_trial=2, gpus_per_trial=0.5), TWO_NODES, "the cluster")


def test_a_request_no_single_node_can_place_is_refused():
    # 8 CPUs and 2 GPUs exist in all, but on no one node
    with pytest.raises(ValueError, match=r"^resources\.cpus_per_trial=4, resources\.gpus_per_trial=2: no node of "):
        check_request(Resources(cpus_per_trial=4, gpus_per_trial=2), TWO_NODES, "the cluster")
    with pytest.raises(ValueError, match=r"\(2 nodes, the most CPUs 8, the most GPUs 1\)"):
        check_request(Resources(cpus_per_trial=64), TWO_NODES, "the cluster")


def test_the_local_node_is_what_the_settings_say():
    assert local_node(Resources(num_cpus=2, num_gpus=0)) == {"CPU": 2.0, "GPU": 0.0}


@pytest.mark.slow
def test_a_live_local_ray_of_two_cpus_refuses_64(local_ray):
    nodes = cluster_nodes()
    assert [n["CPU"] for n in nodes] == [2.0]
    check_request(Resources(cpus_per_trial=2), nodes, "the Ray")
    with pytest.raises(ValueError, match=r"^resources\.cpus_per_trial=64, .*the most CPUs 2, the most GPUs 0"):
        check_request(Resources(cpus_per_trial=64), nodes, "the Ray")
