using System.Numerics;
using System.Runtime.CompilerServices;

namespace CarTRisk.Kernels;

/// <summary>
/// The g-formula's walk along the event-time grid for a block of patient vectors (one patient per lane, B vectors a
/// block): at grid point u, for each vector b, h = 1 − Σ_c r_c λ_c(u), f += s·r_I·λ_I(u), s ← s·h (the product-limit
/// event-free survival and the absolute risk of the cause of interest I), G_c += f·λ_c(u); and the per-grid-point sums
/// over the block, P_c(u) += Σ_b r_c·(f + [c = I]·s(u−)). The vectors go four at a time (then one at a time), each four
/// held in registers over the whole stretch of grid, adding their four terms to the grid sums in one step (the state
/// stays out of memory; the sums take one add per grid point and four vectors). Per-vector arrays are cause-major (c·B +
/// b); the grids are cause-major (c·K + u).
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
        Span<Vector<double>> h = stackalloc Vector<double>[4];
        Span<Vector<double>> fb = stackalloc Vector<double>[4];
        for (int b0 = 0; b0 < blockSize; b0 += Group(blockSize, b0))
        {
            int m = Group(blockSize, b0);
            for (int u = from; u < to; u++)
            {
                for (int x = 0; x < m; x++)
                {
                    int b = b0 + x;
                    var hb = Vector<double>.One;
                    for (int c = 0; c < nc; c++)
                    {
                        hb -= r[(c * blockSize) + b] * lambda[(c * gridSize) + u];
                    }

                    h[x] = hb;
                    fb[x] = f[b] + (s[b] * r[(interest * blockSize) + b] * lambda[(interest * gridSize) + u]);
                    for (int c = 0; c < nc; c++)
                    {
                        g[(c * blockSize) + b] += fb[x] * lambda[(c * gridSize) + u];
                    }
                }

                for (int c = 0; c < nc; c++)
                {
                    var add = r[(c * blockSize) + b0] * (c == interest ? fb[0] + s[b0] : fb[0]);
                    for (int x = 1; x < m; x++)
                    {
                        int b = b0 + x;
                        add += r[(c * blockSize) + b] * (c == interest ? fb[x] + s[b] : fb[x]);
                    }

                    sums[(c * gridSize) + u] += add;
                }

                for (int x = 0; x < m; x++)
                {
                    s[b0 + x] *= h[x];
                    f[b0 + x] = fb[x];
                }
            }
        }
    }

    /// <summary>The vectors taken together from b0: four while four are left, else one.</summary>
    private static int Group(int blockSize, int b0) => blockSize - b0 >= 4 ? 4 : 1;

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

        var lam0 = lambda[..gridSize];
        var lam1 = lambda.Slice(gridSize, gridSize);
        var sum0 = sums[..gridSize];
        var sum1 = sums.Slice(gridSize, gridSize);
        bool first = interest == 0;
        int b0 = 0;
        for (; blockSize - b0 >= 4; b0 += 4)
        {
            Four(s.Slice(b0, 4), f.Slice(b0, 4), g.Slice(b0, 4), g.Slice(blockSize + b0, 4), r.Slice(b0, 4), r.Slice(blockSize + b0, 4),
                first, lam0, lam1, sum0, sum1, from, to);
        }

        for (; b0 < blockSize; b0++)
        {
            One(ref s[b0], ref f[b0], ref g[b0], ref g[blockSize + b0], r[b0], r[blockSize + b0], first, lam0, lam1, sum0, sum1, from, to);
        }
    }

    /// <summary>Four vectors in registers over grid points [from, to).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four(Span<Vector<double>> s, Span<Vector<double>> f, Span<Vector<double>> g0, Span<Vector<double>> g1,
        ReadOnlySpan<Vector<double>> r0, ReadOnlySpan<Vector<double>> r1, bool first, ReadOnlySpan<double> lam0, ReadOnlySpan<double> lam1,
        Span<Vector<double>> sum0, Span<Vector<double>> sum1, int from, int to)
    {
        var sA = s[0]; var sB = s[1]; var sC = s[2]; var sD = s[3];
        var fA = f[0]; var fB = f[1]; var fC = f[2]; var fD = f[3];
        var gA0 = g0[0]; var gB0 = g0[1]; var gC0 = g0[2]; var gD0 = g0[3];
        var gA1 = g1[0]; var gB1 = g1[1]; var gC1 = g1[2]; var gD1 = g1[3];
        var rA0 = r0[0]; var rB0 = r0[1]; var rC0 = r0[2]; var rD0 = r0[3];
        var rA1 = r1[0]; var rB1 = r1[1]; var rC1 = r1[2]; var rD1 = r1[3];
        var rAI = first ? rA0 : rA1; var rBI = first ? rB0 : rB1; var rCI = first ? rC0 : rC1; var rDI = first ? rD0 : rD1;
        if ((uint)to > (uint)lam0.Length || (uint)to > (uint)lam1.Length || (uint)to > (uint)sum0.Length || (uint)to > (uint)sum1.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(to));
        }

        for (int u = from; u < to; u++)
        {
            double a0 = lam0[u], a1 = lam1[u], aI = first ? a0 : a1;
            var hA = Vector<double>.One - (rA0 * a0) - (rA1 * a1);
            var hB = Vector<double>.One - (rB0 * a0) - (rB1 * a1);
            var hC = Vector<double>.One - (rC0 * a0) - (rC1 * a1);
            var hD = Vector<double>.One - (rD0 * a0) - (rD1 * a1);
            var nA = fA + (sA * rAI * aI);
            var nB = fB + (sB * rBI * aI);
            var nC = fC + (sC * rCI * aI);
            var nD = fD + (sD * rDI * aI);
            gA0 += nA * a0;
            gA1 += nA * a1;
            gB0 += nB * a0;
            gB1 += nB * a1;
            gC0 += nC * a0;
            gC1 += nC * a1;
            gD0 += nD * a0;
            gD1 += nD * a1;
            sum0[u] += (rA0 * (first ? nA + sA : nA)) + (rB0 * (first ? nB + sB : nB)) + (rC0 * (first ? nC + sC : nC)) + (rD0 * (first ? nD + sD : nD));
            sum1[u] += (rA1 * (first ? nA : nA + sA)) + (rB1 * (first ? nB : nB + sB)) + (rC1 * (first ? nC : nC + sC)) + (rD1 * (first ? nD : nD + sD));
            sA *= hA;
            sB *= hB;
            sC *= hC;
            sD *= hD;
            fA = nA;
            fB = nB;
            fC = nC;
            fD = nD;
        }

        s[0] = sA; s[1] = sB; s[2] = sC; s[3] = sD;
        f[0] = fA; f[1] = fB; f[2] = fC; f[3] = fD;
        g0[0] = gA0; g0[1] = gB0; g0[2] = gC0; g0[3] = gD0;
        g1[0] = gA1; g1[1] = gB1; g1[2] = gC1; g1[3] = gD1;
    }

    /// <summary>One vector over grid points [from, to).</summary>
    private static void One(ref Vector<double> s, ref Vector<double> f, ref Vector<double> g0, ref Vector<double> g1, Vector<double> r0,
        Vector<double> r1, bool first, ReadOnlySpan<double> lam0, ReadOnlySpan<double> lam1, Span<Vector<double>> sum0, Span<Vector<double>> sum1,
        int from, int to)
    {
        var rI = first ? r0 : r1;
        for (int u = from; u < to; u++)
        {
            double a0 = lam0[u], a1 = lam1[u], aI = first ? a0 : a1;
            var h = Vector<double>.One - (r0 * a0) - (r1 * a1);
            var n = f + (s * rI * aI);
            g0 += n * a0;
            g1 += n * a1;
            sum0[u] += r0 * (first ? n + s : n);
            sum1[u] += r1 * (first ? n : n + s);
            s *= h;
            f = n;
        }
    }
}
