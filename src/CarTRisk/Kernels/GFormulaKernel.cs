using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CarTRisk.Kernels;

/// <summary>
/// The g-formula's walk along the event-time grid for a vector of patients (one patient per lane): at grid point u,
/// h = 1 − Σ_c r_c λ_c(u), f += s·r_I·λ_I(u), s ← s·h (the product-limit event-free survival and the absolute risk of the
/// cause of interest I), G_c += f·λ_c(u), and the per-grid-point sums over patients P_c(u) += r_c·(f + [c = I]·s(u−)).
/// <see cref="AdvanceTwo"/> is the two-cause case with its state in registers; <see cref="AdvanceAny"/> is the twin for
/// any number of causes, the same operations in the same order (the tests compare them bit for bit).
/// </summary>
internal static class GFormulaKernel
{
    /// <summary>Grid points [from, to) for any number of causes. <paramref name="lambda"/> is cause-major (c·K + u),
    /// <paramref name="sums"/> likewise.</summary>
    public static void AdvanceAny(ref Vector<double> s, ref Vector<double> f, Span<Vector<double>> g, ReadOnlySpan<Vector<double>> r,
        int interest, ReadOnlySpan<double> lambda, Span<Vector<double>> sums, int gridSize, int from, int to)
    {
        int nc = r.Length;
        for (int u = from; u < to; u++)
        {
            var sPrev = s;
            var h = Vector<double>.One;
            for (int c = 0; c < nc; c++)
            {
                h -= r[c] * lambda[(c * gridSize) + u];
            }

            f += sPrev * r[interest] * lambda[(interest * gridSize) + u];
            s = sPrev * h;
            for (int c = 0; c < nc; c++)
            {
                double lc = lambda[(c * gridSize) + u];
                g[c] += f * lc;
                sums[(c * gridSize) + u] += r[c] * (c == interest ? f + sPrev : f);
            }
        }
    }

    /// <summary>Grid points [from, to) for two causes (the usual case: the malignancy and death).</summary>
    public static void AdvanceTwo(ref Vector<double> s, ref Vector<double> f, Span<Vector<double>> g, ReadOnlySpan<Vector<double>> r,
        int interest, ReadOnlySpan<double> lambda, Span<Vector<double>> sums, int gridSize, int from, int to)
    {
        if (r.Length != 2 || g.Length != 2 || lambda.Length < 2 * gridSize || sums.Length < 2 * gridSize || from < 0 || to > gridSize || (uint)interest > 1)
        {
            throw new ArgumentException("the two-cause kernel needs two causes and grids of the stated size.");
        }

        var r0 = r[0];
        var r1 = r[1];
        var rI = interest == 0 ? r0 : r1;
        var g0 = g[0];
        var g1 = g[1];
        var sv = s;
        var fv = f;
        ref double lam0 = ref MemoryMarshal.GetReference(lambda);
        ref double lam1 = ref Unsafe.Add(ref lam0, gridSize);
        ref double lamI = ref Unsafe.Add(ref lam0, interest * gridSize);
        ref Vector<double> sumI = ref Unsafe.Add(ref MemoryMarshal.GetReference(sums), interest * gridSize);
        ref Vector<double> sumO = ref Unsafe.Add(ref MemoryMarshal.GetReference(sums), (1 - interest) * gridSize);
        var rO = interest == 0 ? r1 : r0;
        for (int u = from; u < to; u++)
        {
            var sPrev = sv;
            double a0 = Unsafe.Add(ref lam0, u);
            double a1 = Unsafe.Add(ref lam1, u);
            var h = Vector<double>.One;
            h -= r0 * a0;
            h -= r1 * a1;
            fv += sPrev * rI * Unsafe.Add(ref lamI, u);
            sv = sPrev * h;
            g0 += fv * a0;
            g1 += fv * a1;
            ref var pi = ref Unsafe.Add(ref sumI, u);
            ref var po = ref Unsafe.Add(ref sumO, u);
            pi += rI * (fv + sPrev);
            po += rO * fv;
        }

        s = sv;
        f = fv;
        g[0] = g0;
        g[1] = g1;
    }
}
