using System.Globalization;
using CarTRisk.Tests.Support;
using Xunit.Abstractions;

namespace CarTRisk.Tests.Trust;

/// <summary>
/// Issue 9's differential test: 400 random tied data sets (n 1..60, 1-4 groups, 1-3 causes, integer days, near-ties
/// such as 0.1 + 0.2 vs 0.3, real times, delayed entry) generated with a seed by Golden/Differential/generate.R, R's
/// values committed in expected.csv and compared field by field: relative 1e-10 (absolute 1e-13 near 0), counts exact,
/// NA where R gives NA.
/// </summary>
public sealed class DifferentialTests(ITestOutputHelper output)
{
    private const double Rel = 1e-10, Abs = 1e-13;

    private sealed record DataSet(int Id, double[] Entry, double[] Time, int[] Cause, string[] Group, bool Delayed);

    private static readonly Lazy<Dictionary<int, DataSet>> Sets = new(LoadSets);

    private static readonly Lazy<List<(int Set, string Call, string Field, int Index, double Value)>> Expected = new(LoadExpected);

    private static double Num(string s) => s switch
    {
        "NA" or "NaN" => double.NaN,
        "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, CultureInfo.InvariantCulture),
    };

    private static Dictionary<int, DataSet> LoadSets()
    {
        var rows = File.ReadLines(Golden.PathOf("Differential/sets.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        return rows.GroupBy(r => int.Parse(r[0], CultureInfo.InvariantCulture)).ToDictionary(g => g.Key, g => new DataSet(g.Key,
            g.Select(r => Num(r[1])).ToArray(), g.Select(r => Num(r[2])).ToArray(),
            g.Select(r => int.Parse(r[3], CultureInfo.InvariantCulture)).ToArray(), g.Select(r => r[4]).ToArray(), g.First()[5] == "1"));
    }

    private static List<(int, string, string, int, double)> LoadExpected() =>
        File.ReadLines(Golden.PathOf("Differential/expected.csv")).Skip(1).Select(l => l.Split(','))
            .Select(r => (int.Parse(r[0], CultureInfo.InvariantCulture), r[1], r[2], int.Parse(r[3], CultureInfo.InvariantCulture), Num(r[4])))
            .ToList();

    [Fact]
    public void EveryField_EqualsR()
    {
        var mismatches = new List<string>();
        int compared = 0;
        var actual = new Dictionary<(int, string, string), double[]>();
        var cumincTimes = Expected.Value.Where(e => e.Call == "cuminc1" && e.Field == "time")
            .GroupBy(e => e.Set).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Index).Select(e => e.Value).ToArray());
        foreach (var set in Sets.Value.Values)
        {
            foreach (var kv in Compute(set, cumincTimes.GetValueOrDefault(set.Id)))
            {
                actual[(set.Id, kv.Key.Call, kv.Key.Field)] = kv.Value;
            }
        }

        foreach (var (s, call, field, index, value) in Expected.Value)
        {
            compared++;
            if (!actual.TryGetValue((s, call, field), out var values) || index >= values.Length)
            {
                mismatches.Add($"set {s} {call} {field}[{index}]: R {value:R}, CarTRisk has no such value ({(values is null ? "no field" : $"{values.Length} values")})");
                continue;
            }

            double mine = values[index];
            bool same = double.IsNaN(value) ? double.IsNaN(mine)
                : !double.IsNaN(mine) && (mine == value || Math.Abs(mine - value) <= Math.Max(Abs, Rel * Math.Abs(value)));
            if (!same)
            {
                mismatches.Add($"set {s} {call} {field}[{index}]: R {value:R}, CarTRisk {mine:R}");
            }
        }

        foreach (var m in mismatches.Take(40))
        {
            output.WriteLine(m);
        }

        Assert.True(compared > 150_000, $"only {compared} comparisons");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {compared} fields differ from R; first: {string.Join(" | ", mismatches.Take(5))}");
    }

    private static Dictionary<(string Call, string Field), double[]> Compute(DataSet d, double[]? cumincTimes)
    {
        var r = new Dictionary<(string, string), double[]>();
        var ev = d.Cause.Select(c => c > 0).ToArray();
        foreach (var (tag, tr) in new[] { ("km_log", IntervalTransform.Log), ("km_log-log", IntervalTransform.LogLog) })
        {
            var o = KaplanMeierOptions.Default with { Transform = tr };
            var km = d.Delayed ? KaplanMeier.Estimate(d.Entry, d.Time, ev, o) : KaplanMeier.Estimate(d.Time, ev, o);
            r[(tag, "time")] = [.. km.Time];
            r[(tag, "n.risk")] = [.. km.AtRisk];
            r[(tag, "n.event")] = [.. km.Events];
            r[(tag, "surv")] = [.. km.Survival];
            r[(tag, "std.err")] = [.. km.StdErrLog];
            r[(tag, "lower")] = [.. km.Lower];
            r[(tag, "upper")] = [.. km.Upper];
            if (!d.Delayed)
            {
                var q = new[] { 0.25, 0.5, 0.75 }.Select(km.Quantile).ToArray();
                r[(tag, "q.est")] = q.Select(x => x.Value ?? double.NaN).ToArray();
                r[(tag, "q.lower")] = q.Select(x => x.Lower ?? double.NaN).ToArray();
                r[(tag, "q.upper")] = q.Select(x => x.Upper ?? double.NaN).ToArray();
            }
        }

        var na = d.Delayed ? NelsonAalen.Estimate(d.Entry, d.Time, ev) : NelsonAalen.Estimate(d.Time, ev);
        r[("na", "time")] = [.. na.Time];
        r[("na", "cumhaz")] = [.. na.CumulativeHazard];
        r[("na", "std.chaz")] = [.. na.StdErr];

        if (ev.Any(e => e))
        {
            var aj = d.Delayed ? CumulativeIncidence.Estimate(d.Entry, d.Time, d.Cause, 1) : CumulativeIncidence.Estimate(d.Time, d.Cause, 1);
            r[("aj", "time")] = [.. aj.Time];
            r[("aj", "pstate0")] = [.. aj.EventFree];
            for (int c = 0; c < aj.EstimateByCause.Length; c++)
            {
                r[("aj", $"pstate{aj.CauseCodes[c]}")] = [.. aj.EstimateByCause[c]];
            }

            for (int s = 0; s < aj.JackknifeStdErr.Length; s++)
            {
                r[("aj", $"std.err{(s == 0 ? 0 : aj.CauseCodes[s - 1])}")] = [.. aj.JackknifeStdErr[s]];
            }

            if (!d.Delayed)
            {
                if (d.Cause.Contains(1))
                {
                    // cmprsk has no timefix: exact times.
                    var ci = CumulativeIncidence.Estimate(d.Time, d.Cause, 1, CumulativeIncidenceOptions.Default with { TimeFix = false });
                    // cuminc's step-function form repeats each time: (t, value before), (t, value at t).
                    var times = cumincTimes ?? [];
                    var est = new double[times.Length];
                    var variance = new double[times.Length];
                    for (int i = 0; i < times.Length; i++)
                    {
                        // index 0 is cuminc's origin (0, 0); after it each run of a time starts with the value before it.
                        bool left = i == 0 || (i + 1 < times.Length && times[i + 1] == times[i] && (i == 1 || times[i - 1] != times[i]));
                        int j = left ? ci.Time.ToList().FindLastIndex(t => t < times[i]) : ci.Time.ToList().FindLastIndex(t => t <= times[i]);
                        est[i] = j < 0 ? 0 : ci.Estimate[j];
                        variance[i] = j < 0 ? 0 : ci.Variance[j];
                    }

                    r[("cuminc1", "time")] = times;
                    r[("cuminc1", "est")] = est;
                    r[("cuminc1", "var")] = variance;
                }
            }
        }

        if (!d.Delayed && d.Group.Distinct().Count() >= 2)
        {
            var lr = LogRank.Test(d.Time, ev, d.Group);
            r[("survdiff", "chisq")] = [lr.ChiSquare];
            r[("survdiff", "obs")] = [.. lr.Observed];
            r[("survdiff", "exp")] = [.. lr.Expected];
            if (d.Cause.Contains(1))
            {
                var g = GrayTest.Test(d.Time, d.Cause, d.Group, 1);
                r[("gray1", "stat")] = [g.Singular ? -1 : g.Statistic];   // R's sentinel for a singular variance
                r[("gray1", "pv")] = [g.Singular ? 1 : g.PValue];
            }
        }

        return r;
    }
}
