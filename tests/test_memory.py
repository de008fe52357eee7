"""The memory lower bounds: exact on hand-counted networks, and refusing what cannot fit."""

import pytest

from nasx.arch.codec import decode
from nasx.complexity import complexity
from nasx.memory import check_data_fits, check_network_fits, data_bytes, device_bytes, training_bytes


def test_training_bytes_of_one_conv_by_hand():
    # stem conv 3 -> 16, k3 s1 at 8x8: 16 * 64 = 1,024 output elements; 3*3*3*16 = 432 weights (+ BN 32)
    cost = complexity(decode("res8_cls10|stem:cn_r1_k3_s1_c16|cn_r1_k1_s1_c8|head:"))
    assert training_bytes(cost, 10) == 10 * cost.activations * 4 + 8 * cost.params
    assert training_bytes(cost, 10, bf16_cuda=True) == 10 * cost.activations * 2 + 8 * cost.params


def test_data_bytes_of_digits_by_hand():
    # 1,797 images of 3 x 16 x 16 uint8, plus two float32 copies of the one resize chunk (all 1,797 images)
    assert data_bytes("digits", 3, 16) == 1797 * 768 + 2 * 4 * 1797 * 768
    assert data_bytes("npz", 3, 16) is None  # known only once read


def test_a_network_of_terabytes_is_refused_and_a_small_one_passes():
    cost = complexity(decode("res16_cls10|stem:cn_r1_k3_s1_c16|cn_r1_k3_s1_c65536|head:"))
    with pytest.raises(
        ValueError, match=r"^the network needs at least [0-9.]+GB of memory to train at train\.batch_size"
    ):
        check_network_fits(cost, 65536, "cpu")  # 65,536 * 16,781,322 * 4 bytes: 4.4 TB
    check_network_fits(complexity(decode("res8_cls10|stem:cn_r1_k3_s1_c16|cn_r1_k1_s1_c8|head:")), 64, "cpu")


def test_a_data_set_that_cannot_load_is_refused():
    with pytest.raises(ValueError, match=r"^data\.resolution=4096: loading the 5,000 images of mnist5k"):
        check_data_fits("mnist5k", 3, 4096)
    check_data_fits("digits", 3, 16)
    assert device_bytes("cpu") > 2**20
