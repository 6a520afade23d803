"""The static SASS tools under benchmarks/experiments/sass/ on synthetic listings: pure Python."""

import importlib.util
import sys
from pathlib import Path

SASS = Path(__file__).resolve().parents[1] / "benchmarks/experiments/sass"
sys.path.insert(0, str(SASS))
spec = importlib.util.spec_from_file_location("pipes", SASS / "pipes.py")
pipes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pipes)


def listing(ops):
    """cuobjdump -sass lines for ops (each "OPCODE args"), 16 bytes apart from 0."""
    return "\n".join(f"        /*{16 * i:04x}*/                   {op} ;"
                     f"  /* 0x000fe20000000f00 */" for i, op in enumerate(ops))


def test_alu_bound_loop_and_the_issue_bound_one():
    # Loop 1 (0x10-0x60): 3 ALU of 6 instructions -> 6 ALU cycles, issue 6: issue-bound.
    # Loop 2 (0x70-0xf0): 5 ALU (a predicated one too) of 9 -> 10 ALU cycles: ALU-bound; its
    # two IMAD take 4 cycles of the FMA pipe's heavy half, the FFMA one of either half.
    ops = ["MOV R1, c[0x0][0x28]",
           "LOP3.LUT R2, R3, 0xf, RZ, 0xc0, !PT", "SHF.R.U32.HI R4, RZ, 0x8, R2",
           "IMAD.HI.U32 R5, R2, 0x1000000, RZ", "HMMA.16816.F32 R8, R12, R16, R8",
           "PRMT R6, R6, 0x5410, R7", "@P0 BRA 0x10",
           "LOP3.LUT R2, R3, 0xf, RZ, 0xc0, !PT", "@!P1 SHF.R.U32.HI R4, RZ, 0x8, R2",
           "ISETP.GE.AND P0, PT, R4, 0x3, PT", "IMAD R5, R2, R3, R5", "IMAD.SHL.U32 R5, R5, 0x2, RZ",
           "FFMA R6, R6, R7, R6", "SEL R9, R9, R5, P0", "PRMT R7, R7, 0x5410, R9", "@P0 BRA 0x70",
           "EXIT"]
    lines = pipes.report(listing(ops), every=True)
    assert lines[1].startswith("0x0070-0x00f0: 9 | 10 | 4 | alu | alu 5, imad 2, ")
    assert lines[2].startswith("0x0010-0x0060: 6 | 6 | 2 | issue | alu 3, ")
    assert pipes.report(listing(ops))[1:] == lines[1:2]  # without --all: the largest only


def test_pipe_classes():
    assert [pipes.pipe_of(op) for op in ("LOP3.LUT", "IMAD.HI.U32", "HFMA2.MMA", "HMMA.16816.F32",
                                         "LDS.128", "UIADD3", "S2UR", "BRA")] == \
        ["alu", "imad", "fp", "tensor", "mio", "uniform", "uniform", "other"]
    assert pipes.report(listing(["MOV R1, R2", "EXIT"])) == ["no loops"]


spec_k = importlib.util.spec_from_file_location("kernels", SASS / "kernels.py")
kernels = importlib.util.module_from_spec(spec_k)
spec_k.loader.exec_module(kernels)


def test_kernels_side_by_side_parsing():
    # two functions in one listing; the first has a loop of 3 instructions (2 ALU), the second none
    loop = listing(["MOV R1, R2", "LOP3.LUT R2, R3, 0xf, RZ, 0xc0, !PT", "IMAD R4, R4, R5, RZ",
                    "@P0 BRA 0x10", "EXIT"])
    sass = ("\n\tcode for sm_90a\n\t\tFunction : _Z1av\n" + loop +
            "\n\t\t..........\n\n\t\tFunction : _Z1bv\n" + listing(["EXIT"]) + "\n")
    funcs = kernels.split_functions(sass)
    assert list(funcs) == ["_Z1av", "_Z1bv"]
    assert kernels.largest_loop(funcs["_Z1av"]) == {"issue": 3, "alu": 2, "fma": 2}
    assert kernels.largest_loop(funcs["_Z1bv"]) is None
    res = ("\nResource usage:\n Common:\n  GLOBAL:0\n Function _Z1av:\n"
           "  REG:94 STACK:8 SHARED:8192 LOCAL:8 CONSTANT[0]:588 TEXTURE:0\n")
    assert kernels.resources(res) == {"_Z1av": (94, 8)}
    assert kernels.short("void anyprec::fused_gemm_kernel<__nv_bfloat16, 8, 1, true, false, 8>"
                         "(__nv_bfloat16 const*, int)") == \
        "fused_gemm_kernel<bf16, 8, 1, true, false, 8>"


spec_h = importlib.util.spec_from_file_location(
    "hot_path", SASS.parent / "x_full/hot_path.py")
hot_path = importlib.util.module_from_spec(spec_h)
spec_h.loader.exec_module(hot_path)


def test_hot_path_skips_the_checked_load_block_only():
    # A loop (0x00-0xd0) with the unchecked loads, then a branch (0x50) that whole chunks take
    # over the checked block (0x60-0x90: four cached 16-byte loads, no mma): 14 static
    # instructions, 4 skipped, 10 on the hot path.
    x = "LDG.E.128.CONSTANT R{}, desc[UR4][R2.64+{}]"
    ops = ["@!P0 " + x.format(4, 0), x.format(8, 0x40),
           "LDG.E.NA.128.CONSTANT R12, desc[UR4][R6.64]", "IADD3 R1, R1, 0x1, RZ",
           "ISETP.GE.AND P0, PT, R1, R0, PT", "@!P0 BRA 0xa0",
           "@!P1 " + x.format(4, 0), "@!P2 " + x.format(8, 0x40), "@!P3 " + x.format(16, 0x80),
           "@!P4 " + x.format(20, 0xc0), "HMMA.16816.F32 R24, R4, R8, R24",
           "LOP3.LUT R1, R1, 0xf, RZ, 0xc0, !PT", "FADD R30, R30, R24", "@P5 BRA 0x0", "EXIT"]
    ins = hot_path.parse(listing(ops))
    assert hot_path.hot_path(ins) == (14, 4, 10)
    assert hot_path.hot_path(ins, min_x=5) == (14, 0, 14)  # too few loads: not that block
    # a block with mma in it is a whole trip (the swapped loops' second one): kept
    ops[8] = "HMMA.16816.F32 R24, R4, R8, R24"
    assert hot_path.hot_path(hot_path.parse(listing(ops)), min_x=3) == (14, 0, 14)
