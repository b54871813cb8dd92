using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CarTRisk.Kernels;

/// <summary>The drug-event pairs of a GPS fit, ready for the likelihood kernel: pairs with N ≥ 1 sorted by (N, E), equal
/// (N, E) merged into one row with its multiplicity as weight, and the rows of each distinct N contiguous (a run), so the
/// terms that depend on N only (lgamma, digamma and trigamma differences) are constants within a run.</summary>
internal sealed class GpsPairs
{
    /// <summary>Sorts and merges; the caller has checked that every N ≥ 1 is a whole number and every E is finite and &gt; 0.</summary>
    public GpsPairs(ReadOnlySpan<double> n, ReadOnlySpan<double> e)
    {
        int m = n.Length;
        var order = new int[m];
        for (int i = 0; i < m; i++)
        {
            order[i] = i;
        }

        var nn = n.ToArray();
        var ee = e.ToArray();
        Array.Sort(order, (x, y) => nn[x] != nn[y] ? nn[x].CompareTo(nn[y]) : ee[x] != ee[y] ? ee[x].CompareTo(ee[y]) : x.CompareTo(y));
        var rowN = new List<double>();
        var rowE = new List<double>();
        var rowW = new List<double>();
        foreach (int i in order)
        {
            if (rowN.Count > 0 && rowN[^1] == nn[i] && rowE[^1] == ee[i])
            {
                rowW[^1] += 1;
                continue;
            }

            rowN.Add(nn[i]);
            rowE.Add(ee[i]);
            rowW.Add(1);
        }

        N = [.. rowN];
        E = [.. rowE];
        W = [.. rowW];
        Count = m;
        var distinct = new List<double>();
        var starts = new List<int>();
        for (int i = 0; i < N.Length; i++)
        {
            if (i == 0 || N[i] != N[i - 1])
            {
                distinct.Add(N[i]);
                starts.Add(i);
            }
        }

        starts.Add(N.Length);
        DistinctN = [.. distinct];
        RunStart = [.. starts];
        C = new double[N.Length];
        for (int j = 0; j < DistinctN.Length; j++)
        {
            double lg = MathNet.Numerics.SpecialFunctions.GammaLn(DistinctN[j] + 1);
            for (int i = RunStart[j]; i < RunStart[j + 1]; i++)
            {
                C[i] = (N[i] * Math.Log(E[i])) - lg;
            }
        }
    }

    /// <summary>N of each row (ascending).</summary>
    public double[] N { get; }

    /// <summary>E of each row (ascending within a run).</summary>
    public double[] E { get; }

    /// <summary>How many pairs each row stands for.</summary>
    public double[] W { get; }

    /// <summary>N log E − log N! of each row (the part of the log-likelihood that does not depend on the parameters).</summary>
    public double[] C { get; }

    /// <summary>The distinct N, ascending.</summary>
    public double[] DistinctN { get; }

    /// <summary>Rows of distinct N j: [RunStart[j], RunStart[j + 1]).</summary>
    public int[] RunStart { get; }

    /// <summary>The number of pairs (Σ W).</summary>
    public int Count { get; }
}

/// <summary>One parameter point of the GPS likelihood with its per-run tables: Dk = lgamma(αk + N) − lgamma(αk),
/// Pk = ψ(αk + N) − ψ(αk), Tk = ψ1(αk + N) − ψ1(αk) (null when the mode does not need them).</summary>
internal sealed record GpsPoint(double A1, double B1, double A2, double B2, double P, double[] D1, double[] D2,
    double[]? P1, double[]? P2, double[]? T1, double[]? T2)
{
    public double LogB1 { get; } = Math.Log(B1);

    public double LogB2 { get; } = Math.Log(B2);

    public double LogP { get; } = Math.Log(P);

    public double LogQ { get; } = Math.Log(1 - P);

    public double Q { get; } = 1 - P;
}

/// <summary>
/// The per-pair sums of the GPS log-likelihood (DuMouchel's two-gamma mixture, negative binomial marginals truncated to
/// N ≥ 1), its gradient and its Hessian on u = (log α1, log β1, log α2, log β2, logit P). Per row and component k, with
/// t = E/βk, l = −log1p(t), s = αk l, f0 = eˢ, om = 1 − f0:
/// xk = log wk + Dk(N) + N log E − log N! + s + N (l − log βk) − log om; the row adds W·log(e^x1 + e^x2).
/// <see cref="Accumulate"/> runs eight rows at a time in AVX-512 registers (vector log and exp) where the hardware has
/// them, each run's remainder and other machines through <see cref="Row"/>, the scalar twin with the same operations
/// (the tests compare the two paths).
/// Sums layout: [0] ℓ; [1..5] ∂ℓ/∂u; [6..20] the upper triangle of ∂²ℓ/∂u², row by row.
/// </summary>
internal static class GpsKernel
{
    public const int Value = 0, Gradient = 1, Hessian = 2;

    public const int Width = 21;

    /// <summary>Adds the rows [first, end) into <paramref name="sums"/> (length <see cref="Width"/>).</summary>
    public static void Accumulate(GpsPairs d, GpsPoint pt, int first, int end, int mode, Span<double> sums, bool vector)
    {
        if (sums.Length < Width || first < 0 || end > d.N.Length || (uint)mode > Hessian
            || pt.D1.Length != d.DistinctN.Length || pt.D2.Length != d.DistinctN.Length)
        {
            throw new ArgumentException("GpsKernel.Accumulate: inconsistent arguments.");
        }

        if (mode >= Gradient && (pt.P1 is null || pt.P2 is null || pt.P1.Length != pt.D1.Length || pt.P2.Length != pt.D1.Length))
        {
            throw new ArgumentException("GpsKernel.Accumulate: the gradient needs the digamma tables.");
        }

        if (mode == Hessian && (pt.T1 is null || pt.T2 is null || pt.T1.Length != pt.D1.Length || pt.T2.Length != pt.D1.Length))
        {
            throw new ArgumentException("GpsKernel.Accumulate: the Hessian needs the trigamma tables.");
        }

        vector &= Vector512.IsHardwareAccelerated;
        int run = Array.BinarySearch(d.RunStart, first);
        run = run >= 0 ? run : ~run - 1;
        Span<Vector512<double>> acc = stackalloc Vector512<double>[Width];
        acc.Clear();

        // in vector mode the rows left over at the end of each run are packed, eight at a time, with their own run
        // constants per lane (the last pack padded with rows of weight 0), so no row takes the scalar path
        Span<double> pack = stackalloc double[10 * 8];
        int packed = 0;
        for (; run < d.DistinctN.Length && d.RunStart[run] < end; run++)
        {
            int lo = Math.Max(first, d.RunStart[run]), hi = Math.Min(end, d.RunStart[run + 1]);
            var rc = new RunConstants(d.DistinctN[run], pt.D1[run], pt.D2[run], pt.P1?[run] ?? 0, pt.P2?[run] ?? 0, pt.T1?[run] ?? 0, pt.T2?[run] ?? 0);
            int i = lo;
            if (vector)
            {
                for (; i + 8 <= hi; i += 8)
                {
                    RowsVector(Vector512.LoadUnsafe(ref d.E[i]), Vector512.LoadUnsafe(ref d.W[i]), Vector512.LoadUnsafe(ref d.C[i]), rc.Broadcast(), pt, mode, acc);
                }

                for (; i < hi; i++)
                {
                    rc.Write(pack, packed, d.E[i], d.W[i], d.C[i]);
                    if (++packed == 8)
                    {
                        RowsPacked(pack, pt, mode, acc);
                        packed = 0;
                    }
                }
            }

            for (; i < hi; i++)
            {
                Row(d.E[i], d.W[i], d.C[i], pt, rc, mode, sums);
            }
        }

        if (vector)
        {
            if (packed > 0)
            {
                var pad = new RunConstants(1, 0, 0, 0, 0, 0, 0);
                for (; packed < 8; packed++)
                {
                    pad.Write(pack, packed, 1, 0, 0);
                }

                RowsPacked(pack, pt, mode, acc);
            }

            for (int q = 0; q < Width; q++)
            {
                sums[q] += Vector512.Sum(acc[q]);
            }
        }
    }

    /// <summary>Eight packed rows: lane k of field f at pack[8f + k] (E, W, C, N, D1, D2, P1, P2, T1, T2).</summary>
    private static void RowsPacked(Span<double> pack, GpsPoint pt, int mode, Span<Vector512<double>> acc)
    {
        RowsVector(Field(pack, 0), Field(pack, 1), Field(pack, 2), new LaneConstants(Field(pack, 3), Field(pack, 4), Field(pack, 5), Field(pack, 6),
            Field(pack, 7), Field(pack, 8), Field(pack, 9)), pt, mode, acc);
    }

    private static Vector512<double> Field(Span<double> pack, int f) => Vector512.Create((ReadOnlySpan<double>)pack.Slice(8 * f, 8));

    /// <summary>Run constants lane by lane.</summary>
    internal readonly record struct LaneConstants(Vector512<double> N, Vector512<double> D1, Vector512<double> D2, Vector512<double> P1,
        Vector512<double> P2, Vector512<double> T1, Vector512<double> T2);

    /// <summary>The per-run constants.</summary>
    internal readonly record struct RunConstants(double N, double D1, double D2, double P1, double P2, double T1, double T2)
    {
        public LaneConstants Broadcast() => new(Vector512.Create(N), Vector512.Create(D1), Vector512.Create(D2), Vector512.Create(P1),
            Vector512.Create(P2), Vector512.Create(T1), Vector512.Create(T2));

        public void Write(Span<double> pack, int lane, double e, double w, double c)
        {
            pack[lane] = e;
            pack[8 + lane] = w;
            pack[16 + lane] = c;
            pack[24 + lane] = N;
            pack[32 + lane] = D1;
            pack[40 + lane] = D2;
            pack[48 + lane] = P1;
            pack[56 + lane] = P2;
            pack[64 + lane] = T1;
            pack[72 + lane] = T2;
        }
    }

    /// <summary>log(1 + t) for t ≥ 0 to a few ulps from log alone (Goldberg: log(u)·t/(u − 1), u = 1 + t).</summary>
    private static double Log1p(double t)
    {
        double u = 1 + t;
        return u == 1 ? t : Math.Log(u) * (t / (u - 1));
    }

    /// <summary>1 − eˢ for s ≤ 0 given v = eˢ, without cancellation (Kahan: (1 − v)·s/log v near s = 0).</summary>
    private static double OneMinusExp(double s, double v) => s < -0.5 ? 1 - v : v == 1 ? -s : (1 - v) * (s / Math.Log(v));

    /// <summary>The scalar twin: one row.</summary>
    internal static void Row(double e, double w, double c, GpsPoint pt, in RunConstants rc, int mode, Span<double> sums)
    {
        double n = rc.N;
        double bigL1 = Log1p(e / pt.B1), bigL2 = Log1p(e / pt.B2);
        double s1 = -pt.A1 * bigL1, s2 = -pt.A2 * bigL2;
        double v1 = Math.Exp(s1), v2 = Math.Exp(s2);
        double om1 = OneMinusExp(s1, v1), om2 = OneMinusExp(s2, v2);
        double x1 = pt.LogP + rc.D1 + c + s1 - (n * (bigL1 + pt.LogB1)) - Math.Log(om1);
        double x2 = pt.LogQ + rc.D2 + c + s2 - (n * (bigL2 + pt.LogB2)) - Math.Log(om2);
        double m = Math.Max(x1, x2), ed = Math.Exp(-Math.Abs(x1 - x2));
        sums[0] += w * (m + Math.Log(1 + ed));
        if (mode == Value)
        {
            return;
        }

        double r = 1 / (1 + ed);
        double w1 = x1 >= x2 ? r : ed * r, w2 = x1 >= x2 ? ed * r : r;
        double be1 = pt.B1 + e, be2 = pt.B2 + e, phi1a = 1 / om1, phi1b = 1 / om2;
        double ga1 = pt.A1 * (rc.P1 - (phi1a * bigL1)), gb1 = ((phi1a * pt.A1 * e) - (n * pt.B1)) / be1;
        double ga2 = pt.A2 * (rc.P2 - (phi1b * bigL2)), gb2 = ((phi1b * pt.A2 * e) - (n * pt.B2)) / be2;
        sums[1] += w * w1 * ga1;
        sums[2] += w * w1 * gb1;
        sums[3] += w * w2 * ga2;
        sums[4] += w * w2 * gb2;
        sums[5] += w * ((w1 * pt.Q) - (w2 * pt.P));
        if (mode == Gradient)
        {
            return;
        }

        // φ(s) = s − log(1 − eˢ): φ' = 1/om, φ'' = f0/om²; lb = β ∂l/∂β = E/(β + E), lbb = β² ∂²l/∂β² = −E(2β + E)/(β + E)²
        double ww = w * w1 * w2;
        Span<double> delta = [ga1, gb1, -ga2, -gb2, 1];
        for (int a = 0, t = 6; a < 5; a++)
        {
            double da = ww * delta[a];
            for (int b = a; b < 5; b++)
            {
                sums[t++] += da * delta[b];
            }
        }

        Block(pt.A1, pt.B1, e, n, bigL1, v1, om1, be1, rc.T1, ga1, gb1, w * w1, sums, 6, 7, 11);
        Block(pt.A2, pt.B2, e, n, bigL2, v2, om2, be2, rc.T2, ga2, gb2, w * w2, sums, 15, 16, 18);
        sums[20] -= w * pt.P * pt.Q;
    }

    /// <summary>One component's second derivatives on (log α, log β), weighted, into the given Hessian slots.</summary>
    private static void Block(double a, double b, double e, double n, double bigL, double v, double om, double be, double tri,
        double ga, double gb, double weight, Span<double> sums, int aa, int ab, int bb)
    {
        double l = -bigL, phi1 = 1 / om, phi2 = v / (om * om);
        double lb = e / be, lbb = -e * ((2 * b) + e) / (be * be);
        sums[aa] += weight * ((a * a * (tri + (phi2 * l * l))) + ga);
        sums[ab] += weight * (a * ((phi2 * a * l * lb) + (phi1 * lb)));
        sums[bb] += weight * ((phi2 * a * a * lb * lb) + (phi1 * a * lbb) + (n * b * b / (be * be)) + gb);
    }

    /// <summary>Eight rows in AVX-512 registers: <see cref="Row"/>'s operations lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowsVector(Vector512<double> e, Vector512<double> w, Vector512<double> c, in LaneConstants rc, GpsPoint pt, int mode,
        Span<Vector512<double>> acc)
    {
        var one = Vector512<double>.One;
        var n = rc.N;
        var b1 = Vector512.Create(pt.B1);
        var b2 = Vector512.Create(pt.B2);
        var a1 = Vector512.Create(pt.A1);
        var a2 = Vector512.Create(pt.A2);
        var bigL1 = Log1p(e / b1);
        var bigL2 = Log1p(e / b2);
        var s1 = -a1 * bigL1;
        var s2 = -a2 * bigL2;
        var v1 = Vector512.Exp(s1);
        var v2 = Vector512.Exp(s2);
        var om1 = OneMinusExp(s1, v1);
        var om2 = OneMinusExp(s2, v2);
        var x1 = Vector512.Create(pt.LogP) + rc.D1 + c + s1 - (n * (bigL1 + Vector512.Create(pt.LogB1))) - Vector512.Log(om1);
        var x2 = Vector512.Create(pt.LogQ) + rc.D2 + c + s2 - (n * (bigL2 + Vector512.Create(pt.LogB2))) - Vector512.Log(om2);
        var m = Vector512.Max(x1, x2);
        var ed = Vector512.Exp(-Vector512.Abs(x1 - x2));
        acc[0] += w * (m + Vector512.Log(one + ed));
        if (mode == Value)
        {
            return;
        }

        var r = one / (one + ed);
        var first = Vector512.GreaterThanOrEqual(x1, x2);
        var w1 = Vector512.ConditionalSelect(first, r, ed * r);
        var w2 = Vector512.ConditionalSelect(first, ed * r, r);
        var be1 = b1 + e;
        var be2 = b2 + e;
        var phi1a = one / om1;
        var phi1b = one / om2;
        var ga1 = a1 * (rc.P1 - (phi1a * bigL1));
        var gb1 = ((phi1a * a1 * e) - (n * b1)) / be1;
        var ga2 = a2 * (rc.P2 - (phi1b * bigL2));
        var gb2 = ((phi1b * a2 * e) - (n * b2)) / be2;
        var ww1 = w * w1;
        var ww2 = w * w2;
        acc[1] += ww1 * ga1;
        acc[2] += ww1 * gb1;
        acc[3] += ww2 * ga2;
        acc[4] += ww2 * gb2;
        acc[5] += w * ((w1 * Vector512.Create(pt.Q)) - (w2 * Vector512.Create(pt.P)));
        if (mode == Gradient)
        {
            return;
        }

        var ww = ww1 * w2;
        Span<Vector512<double>> delta = [ga1, gb1, -ga2, -gb2, one];
        for (int a = 0, t = 6; a < 5; a++)
        {
            var da = ww * delta[a];
            for (int b = a; b < 5; b++)
            {
                acc[t++] += da * delta[b];
            }
        }

        Block(a1, b1, e, n, bigL1, v1, om1, be1, rc.T1, ga1, gb1, ww1, acc, 6, 7, 11);
        Block(a2, b2, e, n, bigL2, v2, om2, be2, rc.T2, ga2, gb2, ww2, acc, 15, 16, 18);
        acc[20] -= w * Vector512.Create(pt.P * pt.Q);
    }

    private static Vector512<double> Log1p(Vector512<double> t)
    {
        var u = Vector512<double>.One + t;
        return Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<double>.One), t, Vector512.Log(u) * (t / (u - Vector512<double>.One)));
    }

    private static Vector512<double> OneMinusExp(Vector512<double> s, Vector512<double> v)
    {
        var oneMinus = Vector512<double>.One - v;
        var kahan = Vector512.ConditionalSelect(Vector512.Equals(v, Vector512<double>.One), -s, oneMinus * (s / Vector512.Log(v)));
        return Vector512.ConditionalSelect(Vector512.LessThan(s, Vector512.Create(-0.5)), oneMinus, kahan);
    }

    private static void Block(Vector512<double> a, Vector512<double> b, Vector512<double> e, Vector512<double> n, Vector512<double> bigL,
        Vector512<double> v, Vector512<double> om, Vector512<double> be, Vector512<double> tri, Vector512<double> ga, Vector512<double> gb,
        Vector512<double> weight, Span<Vector512<double>> acc, int aa, int ab, int bb)
    {
        var l = -bigL;
        var phi1 = Vector512<double>.One / om;
        var phi2 = v / (om * om);
        var lb = e / be;
        var lbb = -e * ((Vector512.Create(2.0) * b) + e) / (be * be);
        acc[aa] += weight * ((a * a * (tri + (phi2 * l * l))) + ga);
        acc[ab] += weight * (a * ((phi2 * a * l * lb) + (phi1 * lb)));
        acc[bb] += weight * ((phi2 * a * a * lb * lb) + (phi1 * a * lbb) + (n * b * b / (be * be)) + gb);
    }
}
