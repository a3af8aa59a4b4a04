"""dfa.study.scaling: the whole-step cost model on hand-computed cases, its bounds and CLI."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dfa.study import __main__ as cli
from dfa.study import scaling

DIGITAL = scaling.Digital(flops=1e12, bandwidth=1e12, power=100.0, bytes_per_value=2,
                          batch=1000)
OPTICAL = scaling.Optical(frame_rate=1000.0, dmd_mirrors=10**6, camera_pixels=10**6,
                          power=30.0)  # link 2 GB/s: 10**6 pixels in 0.5 ms < 1 ms a frame


# ---------------------------------------------------------------------------- the device
def test_default_opu_gives_the_claimed_1500_teraops():
    opu = scaling.Optical()
    assert opu.dmd_mirrors == 912 * 1140 == 1_039_680
    assert opu.camera_pixels == 10**6 and opu.power == 30.0
    # 10**6 B over 2 GB/s = 0.5 ms, shorter than 1 / 1440 s: the link does not bind
    assert opu.sustained_frame_rate == pytest.approx(1440.0)
    assert opu.ops == pytest.approx(1_039_680 * 10**6 * 1440)  # 1.497e15
    assert opu.ops == pytest.approx(scaling.CLAIMED_OPS, rel=0.005)
    assert f"{opu.ops:.2g}" == "1.5e+15"
    # the old defaults (2.07e6 pixels at 1.9 kHz) would have counted 2.7x the claim
    old = scaling.Optical(frame_rate=1900.0, camera_pixels=1920 * 1080, link_bandwidth=1e12)
    assert old.ops / scaling.CLAIMED_OPS == pytest.approx(2.73, abs=0.01)


def test_link_bandwidth_bounds_the_frame_rate():
    opu = scaling.Optical(frame_rate=1000.0, dmd_mirrors=10**6, camera_pixels=4 * 10**6,
                          link_bandwidth=2e9, bytes_per_pixel=1)
    # the whole region of interest: 4e6 B / 2e9 B/s = 2 ms > 1 ms
    assert opu.sustained_frame_rate == pytest.approx(500.0)
    assert opu.ops == pytest.approx(10**6 * 4e6 * 500.0)
    # a projection reads only its outputs: 1e6 B = 0.5 ms (frame-rate bound), 3e6 B = 1.5 ms
    assert float(opu.projection_time(10**6, 10)) == pytest.approx(4 * 1e-3)
    assert float(opu.projection_time(3 * 10**6, 10)) == pytest.approx(4 * 1.5e-3)
    # 2 bytes a pixel double the transfer
    wide = scaling.Optical(frame_rate=1000.0, camera_pixels=10**6, bytes_per_pixel=2,
                           link_bandwidth=1e9)
    assert float(wide.frame_time(10**6)) == pytest.approx(2e-3)


def test_readout_frames_per_projection():
    expected = {"binary 2-frame": 2, "ternary 4-frame": 4, "2-frame holography": 2}
    for readout, frames in expected.items():
        assert scaling.Optical(readout=readout).frames_per_projection == frames
    assert scaling.Optical(readout="sign bit planes 4-frame", bits=8).frames_per_projection == 32
    assert scaling.Optical(readout="sign bit planes 2-frame", bits=3).frames_per_projection == 6


# ---------------------------------------------------------------------------- whole steps
def test_mlp_whole_step_by_hand():
    arch = scaling.Architecture("mlp", 1000, 10, n_classes=10)
    assert float(arch.params) == 10 * 1000**2 + 1000 * 10
    costs = scaling.step_costs(arch, DIGITAL, OPTICAL)
    # one pass: 2 * 10,010,000 FLOPs at 1e12 FLOP/s = 2.002e-5 s (memory: (10,010 + 10,000)
    # values * 2 B = 4e-8 s, less); backprop = 3 passes
    assert float(costs["backprop"]["time"]) == pytest.approx(6.006e-5)
    assert float(costs["backprop"]["energy"]) == pytest.approx(6.006e-3)
    # digital DFA: 2 passes + B e: 2 * 10,000 * 10 FLOPs = 2e-7 s (memory 20,200 B, less)
    assert float(costs["digital_dfa"]["time"]) == pytest.approx(4.004e-5 + 2e-7)
    # optical DFA, sequential: 2 passes + 4 frames (10,000 outputs fit the camera, 10
    # inputs the DMD; 10 kB over the link in 5 us < 1 ms) at 1 kHz
    optical = costs["optical_dfa"]
    assert float(optical["frames"]) == 4
    assert float(optical["optical_time"]) == pytest.approx(4e-3)
    assert float(optical["accelerator_time"]) == pytest.approx(4.004e-5)
    assert float(optical["time"]) == pytest.approx(4.004e-5 + 4e-3)
    assert float(optical["energy"]) == pytest.approx(4.004e-5 * 100 + 4e-3 * 30)
    ratios = scaling.advantage(arch, DIGITAL, OPTICAL)
    assert float(ratios["energy_vs_backprop"]) == pytest.approx(6.006e-3 / 0.124004)
    assert float(ratios["time_vs_digital_dfa"]) == pytest.approx(4.024e-5 / 4.04004e-3)
    # overlapped: the step takes the longer of the two; the energy does not change
    overlapped = scaling.Optical(frame_rate=1000.0, dmd_mirrors=10**6,
                                 camera_pixels=10**6, power=30.0, overlap=True)
    both = scaling.step_costs(arch, DIGITAL, overlapped)["optical_dfa"]
    assert float(both["time"]) == pytest.approx(4e-3)
    assert float(both["energy"]) == pytest.approx(float(optical["energy"]))
    # the error-propagation part alone
    backward = scaling.backward_costs(arch, DIGITAL, OPTICAL)
    assert float(backward["backprop"]["time"]) == pytest.approx(2.002e-5)
    assert float(backward["digital_dfa"]["flops"]) == 2e5
    assert float(backward["optical_dfa"]["energy"]) == pytest.approx(0.12)


def test_tiling_bit_planes_link_and_memory_bound():
    wide = scaling.Architecture("transformer", 35_000, 100)  # S = 3.5e6 outputs, d_e = 35,000
    planes = scaling.Optical(frame_rate=1000.0, dmd_mirrors=10**6, camera_pixels=10**6,
                             readout="sign bit planes 2-frame", bits=8)
    costs = scaling.step_costs(wide, DIGITAL, planes)["optical_dfa"]
    assert float(costs["frames"]) == 16 * 4  # 4 camera tiles of 10**6 outputs
    assert float(costs["optical_time"]) == pytest.approx(64e-3)
    slow_link = scaling.Optical(frame_rate=1000.0, dmd_mirrors=10**6, camera_pixels=10**6,
                                readout="sign bit planes 2-frame", bits=8,
                                link_bandwidth=0.5e9)  # 10**6 B in 2 ms a frame
    assert float(scaling.step_costs(wide, DIGITAL, slow_link)["optical_dfa"][
        "optical_time"]) == pytest.approx(128e-3)
    assert float(OPTICAL.frames(10, 2_000_001)) == 4 * 3  # input tiled over 3 DMD frames
    # batch 1, slow memory: every pass reads every weight per sample
    slow = scaling.Digital(flops=1e15, bandwidth=1e9, power=100.0, bytes_per_value=2, batch=1)
    arch = scaling.Architecture("transformer", 1024, 24)
    one_pass = (12 * 24 * 1024**2 + 24 * 1024) * 2 / 1e9
    costs = scaling.step_costs(arch, slow, OPTICAL)
    assert float(costs["backprop"]["time"]) == pytest.approx(3 * one_pass)
    assert float(scaling.backward_costs(arch, slow, OPTICAL)["backprop"]["time"]) == (
        pytest.approx(one_pass))


@pytest.mark.parametrize("overlap", [False, True])
def test_no_opu_beats_backprop_by_more_than_1_5(overlap):
    widths, depths = np.meshgrid(np.logspace(1, 7, 61), np.logspace(0, 4, 41))
    fast = dict(frame_rate=1e12, dmd_mirrors=10**7, camera_pixels=10**9, link_bandwidth=1e30)
    opticals = [scaling.Optical(overlap=overlap),
                scaling.Optical(readout="binary 2-frame", power=1e-6, overlap=overlap),
                scaling.Optical(**fast, power=1e-9, overlap=overlap)]
    digitals = [scaling.Digital(), DIGITAL,
                scaling.Digital(flops=1e15, bandwidth=1e9, batch=1)]
    for kind in scaling.ARCHITECTURES:
        arch = scaling.Architecture(kind, widths, depths)
        for digital in digitals:
            ideal = scaling.ideal_advantage(arch, digital)
            np.testing.assert_allclose(ideal["time_vs_backprop"], 1.5)
            for optical in opticals:
                ratios = scaling.advantage(arch, digital, optical)
                for key, ratio in ratios.items():
                    assert np.all(ratio <= ideal[key] * (1 + 1e-12)), (kind, key)
                assert np.all(ratios["time_vs_backprop"] <= 1.5 + 1e-12)
                assert np.all(ratios["energy_vs_backprop"] <= 1.5 + 1e-12)
    # an almost infinitely fast OPU reaches the bound on a compute-bound Transformer, where
    # the digital DFA bound is 1 + 2 W**2 / (48 W**2) = 1 + 1/24
    arch = scaling.Architecture("transformer", 8192, 10)
    ratios = scaling.advantage(arch, DIGITAL, scaling.Optical(**fast, overlap=overlap))
    assert float(ratios["time_vs_backprop"]) == pytest.approx(1.5, rel=1e-6)
    assert float(ratios["time_vs_digital_dfa"]) == pytest.approx(1 + 1 / 24, rel=1e-3)


# ---------------------------------------------------------------------------- crossovers
def test_crossover_widths_match_the_closed_forms():
    # Transformer, depth 10, S < camera, compute bound: OPU 4 / frame_rate s a token; one
    # digital pass 24 L W**2 / flops; B e GEMM 2 L W**2 / flops
    t_opu = 4 / OPTICAL.frame_rate

    def width(reference, quantity, optical=OPTICAL):
        return scaling.crossover_width("transformer", 10, reference, quantity, DIGITAL,
                                       optical)

    # sequential: wins when the OPU is faster than the delta pass it replaces
    assert width("backprop", "time") == pytest.approx(
        math.sqrt(t_opu * DIGITAL.flops / (24 * 10)), rel=0.01)
    # overlapped: max(2 passes, OPU) < 3 passes
    overlapped = scaling.Optical(frame_rate=1000.0, dmd_mirrors=10**6, camera_pixels=10**6,
                                 power=30.0, overlap=True)
    assert width("backprop", "time", overlapped) == pytest.approx(
        math.sqrt(t_opu * DIGITAL.flops / (3 * 24 * 10)), rel=0.01)
    # energy: 100 W x one pass > 30 W x OPU time
    assert width("backprop", "energy") == pytest.approx(
        math.sqrt(30 * t_opu / 100 * DIGITAL.flops / (24 * 10)), rel=0.01)
    # digital DFA, sequential: OPU faster than the B e GEMM
    assert width("digital_dfa", "time") == pytest.approx(
        math.sqrt(t_opu * DIGITAL.flops / (2 * 10)), rel=0.01)
    # depth: L = t_opu flops / (24 W**2) at W = 1000
    assert scaling.crossover_depth("transformer", 1000, "backprop", "time", DIGITAL,
                                   OPTICAL) == pytest.approx(
        t_opu * DIGITAL.flops / (24 * 1000**2), rel=0.01)
    assert math.isnan(scaling.crossover_width("mlp", 1, "digital_dfa", "time", DIGITAL,
                                              OPTICAL, widths=[10.0, 100.0]))


def test_crossover_table_lists_every_comparison():
    table = scaling.crossover_table(DIGITAL, OPTICAL, depths=(1, 10))
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 2 * 2  # header, MLP and Transformer-like at 2 depths
    assert "time vs digital DFA" in rows[0] and "energy vs backprop" in rows[0]
    transformer_10 = [r for r in rows if r.startswith("| Transformer-like | 10 |")][0]
    expected = math.sqrt(4 / OPTICAL.frame_rate * DIGITAL.flops / (24 * 10))
    assert float(transformer_10.split("|")[3]) == pytest.approx(expected, rel=0.05)
    # the sequential MLP never beats digital DFA in time (its B e GEMM is tiny)
    mlp_1 = [r for r in rows if r.startswith("| MLP | 1 |")][0]
    assert mlp_1.split("|")[5].strip() == "none"
    assert "sequential" in table


# ---------------------------------------------------------------------------- errors, CLI
def test_rejects_bad_parameters():
    with pytest.raises(ValueError, match="flops must be > 0"):
        scaling.Digital(flops=0.0)
    with pytest.raises(ValueError, match="readout must be one of"):
        scaling.Optical(readout="3-frame")
    with pytest.raises(ValueError, match="bits must be given"):
        scaling.Optical(readout="sign bit planes 4-frame")
    with pytest.raises(ValueError, match="bits must be None"):
        scaling.Optical(bits=4)
    with pytest.raises(ValueError, match="bits must be <= 16"):
        scaling.Optical(readout="sign bit planes 2-frame", bits=17)
    with pytest.raises(ValueError, match="link_bandwidth must be > 0"):
        scaling.Optical(link_bandwidth=-1.0)
    with pytest.raises(TypeError, match="overlap must be a bool"):
        scaling.Optical(overlap=1)
    with pytest.raises(ValueError, match="kind must be one of"):
        scaling.Architecture("cnn", 10, 10)
    with pytest.raises(ValueError, match="reference must be one of"):
        scaling.crossover_width("mlp", 10, reference="gpu")
    with pytest.raises(ValueError, match="quantity must be one of"):
        scaling.crossover_depth("mlp", 10, quantity="cost")


def test_scaling_cli_reads_the_options_and_rejects_bad_ones(tmp_path, capsys):
    args = cli.scaling_parser().parse_args(
        ["--readout", "sign bit planes 2-frame", "--bits", "8", "--overlap",
         "--link-bandwidth", "1e9"])
    assert (args.readout, args.bits, args.overlap, args.link_bandwidth) == (
        "sign bit planes 2-frame", 8, True, 1e9)
    with pytest.raises(SystemExit):  # rejected before any figure is drawn
        cli.main(["scaling", "--bits", "4", "--out", str(tmp_path)])
    assert "bits must be None" in capsys.readouterr().err
