using System.Collections.Immutable;
using System.Globalization;
using CarTRisk.Numerics;

namespace CarTRisk;

/// <summary>Published signal-detection rules.</summary>
public enum SignalRule
{
    /// <summary>Evans et al. (2001): PRR ≥ 2, Yates chi-square ≥ 4, N ≥ 3.</summary>
    Evans,

    /// <summary>EMA (EudraVigilance): the PRR's lower limit ≥ 1 and N ≥ 5.</summary>
    Ema,

    /// <summary>MHRA (empirical Bayes): EB05 ≥ 1.8, N ≥ 3, EBGM ≥ 2.5.</summary>
    Mhra,

    /// <summary>Uppsala Monitoring Centre: IC025 &gt; 0.</summary>
    Umc,
}

/// <summary>One drug-event pair of a screen.</summary>
/// <param name="Drug">The drug.</param>
/// <param name="Event">The event.</param>
/// <param name="A">Reports with the drug and the event.</param>
/// <param name="B">Reports with the drug and other events.</param>
/// <param name="C">Reports with other drugs and the event.</param>
/// <param name="D">Reports with neither.</param>
/// <param name="Expected">The (stratified, when the counts are) expected count of the shrinker.</param>
/// <param name="Ror">Reporting odds ratio.</param>
/// <param name="Prr">Proportional reporting ratio.</param>
/// <param name="ChiSquare">Yates chi-square.</param>
/// <param name="Ic">Information component.</param>
/// <param name="Ebgm">EBGM (NaN without a shrinker model).</param>
/// <param name="Eb05">EB05 (NaN without a shrinker model).</param>
/// <param name="Signal">Whether the rule flags the pair.</param>
public sealed record SignalRow(string Drug, string Event, long A, long B, long C, long D, double Expected, RatioEstimate Ror,
    RatioEstimate Prr, double ChiSquare, InformationComponent Ic, double Ebgm, double Eb05, bool Signal);

/// <content>The screen over all pairs.</content>
public static partial class Disproportionality
{
    /// <summary>Scores every drug-event pair (ROR, PRR, chi-square, IC and, with a shrinker model, EBGM and EB05) and
    /// applies a published signal rule. The MHRA rule needs the shrinker: without a model one is fitted
    /// (<see cref="FitGps"/>) on the pairs.</summary>
    /// <param name="pairs">Counts from <see cref="CountPairs"/> or <see cref="PairCounts.FromTable"/>.</param>
    /// <param name="rule">The rule.</param>
    /// <param name="model">A fitted shrinker; null to fit one for the MHRA rule, or to leave EBGM out otherwise.</param>
    /// <param name="level">The confidence level of the ROR, PRR and IC intervals.</param>
    /// <returns>One row per pair, signals first, then by descending IC025.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pairs"/> is null.</exception>
    /// <exception cref="ArgumentException">The counts lack their margins (construct them with CountPairs or FromTable).</exception>
    public static ImmutableArray<SignalRow> Screen(PairCounts pairs, SignalRule rule, GpsModel? model = null, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        Guard.Level(level);
        if (pairs.DrugReports.Length != pairs.Observed.Length || pairs.EventReports.Length != pairs.Observed.Length)
        {
            throw new ArgumentException("pairs lacks the drug and event margins; build it with CountPairs or PairCounts.FromTable.", nameof(pairs));
        }

        if (rule == SignalRule.Mhra && model is null)
        {
            model = FitGps(pairs.Observed.AsSpan(), pairs.Expected.AsSpan());
        }

        var scores = model?.Score(pairs.Observed.AsSpan(), pairs.Expected.AsSpan(), eb95: false);
        int m = pairs.Observed.Length;
        var cells = new (long A, long B, long C, long D)[m];
        var icCode = new int[m];
        var distinctA = new Dictionary<long, int>();
        for (int i = 0; i < m; i++)
        {
            long a = (long)pairs.Observed[i], b = (long)pairs.DrugReports[i] - a, c = (long)pairs.EventReports[i] - a;
            long d = (long)pairs.Reports - (long)pairs.DrugReports[i] - (long)pairs.EventReports[i] + a;
            if (a < 0 || b < 0 || c < 0 || d < 0)
            {
                throw new ArgumentException($"pair {i} ({pairs.Drug[i]}, {pairs.Event[i]}): its 2x2 counts ({a}, {b}, {c}, {d}) are not all >= 0; the margins do not fit the counts.", nameof(pairs));
            }

            cells[i] = (a, b, c, d);
            if (!distinctA.TryGetValue(a, out int code))
            {
                code = distinctA.Count;
                distinctA.Add(a, code);
            }

            icCode[i] = code;
        }

        // the normal quantile once, the IC's gamma quantiles once per distinct a (they do not depend on E)
        double z = Distributions.NormalQuantile((1 + level) / 2);
        var icQuantiles = new (double Lower, double Upper)[distinctA.Count];
        var aValues = distinctA.Keys.ToArray();
        Parallel.For(0, aValues.Length, k => icQuantiles[distinctA[aValues[k]]] = IcQuantiles(aValues[k], level));
        var rows = new SignalRow[m];
        Parallel.For(0, rows.Length, i =>
        {
            var (a, b, c, d) = cells[i];
            var ror = Ror(a, b, c, d, z);
            var prr = Prr(a, b, c, d, z);
            double chi = ChiSquare(a, b, c, d);
            var (icLower, icUpper) = icQuantiles[icCode[i]];
            var ic = Ic(a, b, c, d, icLower, icUpper);
            double ebgm = scores?.Ebgm[i] ?? double.NaN, eb05 = scores?.Eb05[i] ?? double.NaN;
            bool signal = rule switch
            {
                SignalRule.Evans => prr.Estimable && prr.Value >= 2 && chi >= 4 && a >= 3,
                SignalRule.Ema => prr.Estimable && prr.Interval.Lower >= 1 && a >= 5,
                SignalRule.Mhra => eb05 >= 1.8 && a >= 3 && ebgm >= 2.5,
                _ => ic.Lower > 0,
            };
            rows[i] = new SignalRow(pairs.Drug[i], pairs.Event[i], a, b, c, d, pairs.Expected[i], ror, prr, chi, ic, ebgm, eb05, signal);
        });

        return Order(rows);
    }

    /// <summary>Signals first, then descending IC025, then drug and event in ordinal order. Pairs in ordinal (drug,
    /// event) order (as CountPairs and FromTable give them) with finite IC025 are ordered by a stable radix sort on IC025
    /// and a stable partition by signal, ties kept in input order; others by comparison.</summary>
    private static ImmutableArray<SignalRow> Order(SignalRow[] rows)
    {
        bool inOrder = true;
        for (int i = 1; i < rows.Length && inOrder; i++)
        {
            int byDrug = string.CompareOrdinal(rows[i - 1].Drug, rows[i].Drug);
            inOrder = byDrug < 0 || (byDrug == 0 && string.CompareOrdinal(rows[i - 1].Event, rows[i].Event) <= 0);
        }

        var lowers = rows.Select(r => r.Ic.Lower).ToArray();
        if (!inOrder || !lowers.All(double.IsFinite))
        {
            return [.. rows.OrderByDescending(r => r.Signal).ThenByDescending(r => r.Ic.Lower).ThenBy(r => r.Drug, StringComparer.Ordinal).ThenBy(r => r.Event, StringComparer.Ordinal)];
        }

        var order = Kernels.RadixOrder.Order(lowers, descending: true);
        var result = ImmutableArray.CreateBuilder<SignalRow>(rows.Length);
        foreach (int i in order)
        {
            if (rows[i].Signal)
            {
                result.Add(rows[i]);
            }
        }

        foreach (int i in order)
        {
            if (!rows[i].Signal)
            {
                result.Add(rows[i]);
            }
        }

        return result.MoveToImmutable();
    }

    /// <summary>The screen as a table (through the disclosure policy: every estimate rests on its pair's count; public
    /// spontaneous-report data are usually rendered with <see cref="DisclosurePolicy.None"/>).</summary>
    /// <param name="rows">Rows from <see cref="Screen"/>.</param>
    /// <param name="title">The caption.</param>
    /// <returns>The table.</returns>
    public static ResultTable ToTable(this IEnumerable<SignalRow> rows, string title = "Disproportionality screen")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var c = CultureInfo.InvariantCulture;
        string R(RatioEstimate r) => r.Estimable ? $"{r.Value.ToString("0.00", c)} ({r.Interval.Lower.ToString("0.00", c)}-{r.Interval.Upper.ToString("0.00", c)})" : "not estimable";
        var table = new ResultTable(title, "Drug", "Event", "N", "Expected", "ROR (CI)", "PRR (CI)", "Chi-square", "IC (IC025)", "EBGM (EB05)", "Signal");
        foreach (var r in rows)
        {
            var n = new CountCell(r.A);
            table.AddRow(new TextCell(r.Drug), new TextCell(r.Event), n, new DerivedCell(r.Expected.ToString("0.00", c), n), new DerivedCell(R(r.Ror), n),
                new DerivedCell(R(r.Prr), n), new DerivedCell(double.IsNaN(r.ChiSquare) ? "NA" : r.ChiSquare.ToString("0.0", c), n),
                new DerivedCell($"{r.Ic.Value.ToString("0.00", c)} ({r.Ic.Lower.ToString("0.00", c)})", n),
                new DerivedCell(double.IsNaN(r.Ebgm) ? "NA" : $"{r.Ebgm.ToString("0.00", c)} ({r.Eb05.ToString("0.00", c)})", n),
                new DerivedCell(r.Signal ? "yes" : "no", n));
        }

        return table;
    }
}
