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
