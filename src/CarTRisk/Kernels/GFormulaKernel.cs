using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CarTRisk.Kernels;

/// <summary>
/// The g-formula's walk along the event-time grid for a block of patient vectors (one patient per lane, B vectors a
/// block): at grid point u, for each vector b, h = 1 − Σ_c r_c λ_c(u), f += s·r_I·λ_I(u), s ← s·h (the product-limit
/// event-free survival and the absolute risk of the cause of interest I), G_c += f·λ_c(u); and the per-grid-point sums
/// over the block, P_c(u) += Σ_b r_c·(f + [c = I]·s(u−)), added once a block and grid point (the sums leave memory once
/// per block, not once per vector). Per-vector arrays are cause-major (c·B + b); the grids are cause-major (c·K + u).
/// <see cref="AdvanceTwo"/> is the two-cause case; <see cref="AdvanceAny"/> is its twin for any number of causes, the
/// same operations in the same order (the tests compare them bit for bit).
/// </summary>
internal static class GFormulaKernel
{
    /// <summary>Grid points [from, to) for any number of causes.</summary>
    public static void AdvanceAny(Span<Vector<double>> s, Span<Vector<double>> f, Span<Vector<double>> g, ReadOnlySpan<Vector<double>> r,
        int interest, ReadOnlySpan<double> lambda, Span<Vector<double>> sums, int gridSize, int from, int to)
    {
        int blockSize = s.Length;
        int nc = r.Length / blockSize;
        Span<Vector<double>> acc = nc <= 16 ? stackalloc Vector<double>[nc] : new Vector<double>[nc];
        for (int u = from; u < to; u++)
        {
            acc.Clear();
            for (int b = 0; b < blockSize; b++)
            {
                var sPrev = s[b];
                var h = Vector<double>.One;
                for (int c = 0; c < nc; c++)
                {
                    h -= r[(c * blockSize) + b] * lambda[(c * gridSize) + u];
                }

                var fb = f[b] + (sPrev * r[(interest * blockSize) + b] * lambda[(interest * gridSize) + u]);
                f[b] = fb;
                s[b] = sPrev * h;
                for (int c = 0; c < nc; c++)
                {
                    g[(c * blockSize) + b] += fb * lambda[(c * gridSize) + u];
                    acc[c] += r[(c * blockSize) + b] * (c == interest ? fb + sPrev : fb);
                }
            }

            for (int c = 0; c < nc; c++)
            {
                sums[(c * gridSize) + u] += acc[c];
            }
        }
    }

    /// <summary>Grid points [from, to) for two causes (the usual case: the malignancy and death).</summary>
    public static void AdvanceTwo(Span<Vector<double>> s, Span<Vector<double>> f, Span<Vector<double>> g, ReadOnlySpan<Vector<double>> r,
        int interest, ReadOnlySpan<double> lambda, Span<Vector<double>> sums, int gridSize, int from, int to)
    {
        int blockSize = s.Length;
        if (f.Length != blockSize || g.Length != 2 * blockSize || r.Length != 2 * blockSize || lambda.Length < 2 * gridSize
            || sums.Length < 2 * gridSize || from < 0 || to > gridSize || (uint)interest > 1)
        {
            throw new ArgumentException("the two-cause kernel needs two causes and blocks and grids of the stated sizes.");
        }

        ref double lam0 = ref MemoryMarshal.GetReference(lambda);
        ref double lam1 = ref Unsafe.Add(ref lam0, gridSize);
        ref double lamI = ref Unsafe.Add(ref lam0, interest * gridSize);
        ref Vector<double> sum0 = ref MemoryMarshal.GetReference(sums);
        ref Vector<double> sum1 = ref Unsafe.Add(ref sum0, gridSize);
        ref Vector<double> sv = ref MemoryMarshal.GetReference(s);
        ref Vector<double> fv = ref MemoryMarshal.GetReference(f);
        ref Vector<double> g0 = ref MemoryMarshal.GetReference(g);
        ref Vector<double> g1 = ref Unsafe.Add(ref g0, blockSize);
        ref Vector<double> r0 = ref MemoryMarshal.GetReference(r);
        ref Vector<double> r1 = ref Unsafe.Add(ref r0, blockSize);
        ref Vector<double> rI = ref Unsafe.Add(ref r0, interest * blockSize);
        bool first = interest == 0;
        for (int u = from; u < to; u++)
        {
            double a0 = Unsafe.Add(ref lam0, u);
            double a1 = Unsafe.Add(ref lam1, u);
            double aI = Unsafe.Add(ref lamI, u);
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            for (int b = 0; b < blockSize; b++)
            {
                var sPrev = Unsafe.Add(ref sv, b);
                var rb0 = Unsafe.Add(ref r0, b);
                var rb1 = Unsafe.Add(ref r1, b);
                var h = Vector<double>.One;
                h -= rb0 * a0;
                h -= rb1 * a1;
                var fb = Unsafe.Add(ref fv, b) + (sPrev * Unsafe.Add(ref rI, b) * aI);
                Unsafe.Add(ref fv, b) = fb;
                Unsafe.Add(ref sv, b) = sPrev * h;
                Unsafe.Add(ref g0, b) += fb * a0;
                Unsafe.Add(ref g1, b) += fb * a1;
                acc0 += rb0 * (first ? fb + sPrev : fb);
                acc1 += rb1 * (first ? fb : fb + sPrev);
            }

            Unsafe.Add(ref sum0, u) += acc0;
            Unsafe.Add(ref sum1, u) += acc1;
        }
    }
}
