using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CarTRisk.Tests.CompetingRisks;

public sealed class CumulativeIncidenceTests
{
    private static (double[] T, int[] C, string[] G, JsonNode J) Load()
    {
        var (t, c, g) = Golden.Csv("Reference/cmprsk_synth_A.csv");
        return (t, c, g, Golden.Json("Reference/cmprsk_synth_A.expected.json"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Estimate_Overall_MatchesCuminc(int cause)
    {
        var (t, c, _, j) = Load();
        var cif = CumulativeIncidence.Estimate(t, c, cause);
        foreach (var block in new[] { "at_event_times", "at_times" })
        {
            var x = j["cuminc_overall"]![block]!;
            var times = Golden.Array(x["time"]);
            for (int i = 0; i < times.Length; i++)
            {
                var p = cif.At(times[i]);
                NumericAssert.Close(Golden.D(x[$"cause{cause}_est"]![i]), p.Estimate, 1e-10, 1e-300, $"{block} est t={times[i]}");
                NumericAssert.Close(Golden.D(x[$"cause{cause}_var"]![i]), p.Variance, 1e-8, 1e-300, $"{block} var t={times[i]}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Estimate_ByGroup_MatchesCuminc(int cause)
    {
        var (t, c, g, j) = Load();
        foreach (var grp in j["cuminc_by_group"]!["per_group"]!.AsArray())
        {
            string name = grp!["group"]!.GetValue<string>();
            var idx = Enumerable.Range(0, t.Length).Where(i => g[i] == name).ToArray();
            var cif = CumulativeIncidence.Estimate(idx.Select(i => t[i]).ToArray(), idx.Select(i => c[i]).ToArray(), cause);
            var x = grp["at_event_times"]!;
            var times = Golden.Array(x["time"]);
            for (int i = 0; i < times.Length; i++)
            {
                var p = cif.At(times[i]);
                NumericAssert.Close(Golden.D(x[$"cause{cause}_est"]![i]), p.Estimate, 1e-10, 1e-300, $"{name} est");
                NumericAssert.Close(Golden.D(x[$"cause{cause}_var"]![i]), p.Variance, 1e-8, 1e-300, $"{name} var");
            }
        }
    }

    [Fact]
    public void Estimate_EveryCause_MatchesSurvfitMultiStatePstate()
    {
        var (t, c, _, j) = Load();
        var cif = CumulativeIncidence.Estimate(t, c, 1);
        var aj = j["aalen_johansen"]!;
        Assert.Equal(Golden.Array(aj["time"]), cif.Time.ToArray());
        Assert.Equal(Golden.Array(aj["n_risk"]), cif.AtRisk.ToArray());
        Assert.Equal(Golden.Array(aj["n_event_cause1"]), cif.EventsByCause[0].ToArray());
        Assert.Equal(Golden.Array(aj["n_event_cause2"]), cif.EventsByCause[1].ToArray());
        Assert.Equal(Golden.Array(aj["n_censor"]), cif.Censored.ToArray());
        NumericAssert.Close(Golden.Array(aj["pstate"]!["s0"]), cif.EventFree, 1e-12, 0, "s0");
        NumericAssert.Close(Golden.Array(aj["pstate"]!["cause1"]), cif.EstimateByCause[0], 1e-12, 1e-300, "cause1");
        NumericAssert.Close(Golden.Array(aj["pstate"]!["cause2"]), cif.EstimateByCause[1], 1e-12, 1e-300, "cause2");
    }

    [Fact]
    public void JackknifeStdErr_MatchesSurvfitMultiState()
    {
        var (t, c, _, j) = Load();
        var cif = CumulativeIncidence.Estimate(t, c, 1);
        var se = j["aalen_johansen"]!["std_err"]!;
        NumericAssert.Close(Golden.Array(se["s0"]), cif.JackknifeStdErr[0], 1e-10, 1e-300, "s0");
        NumericAssert.Close(Golden.Array(se["cause1"]), cif.JackknifeStdErr[1], 1e-10, 1e-300, "cause1");
        NumericAssert.Close(Golden.Array(se["cause2"]), cif.JackknifeStdErr[2], 1e-10, 1e-300, "cause2");
    }

    [Theory]
    [InlineData("plain", IntervalTransform.Plain, 1)]
    [InlineData("log", IntervalTransform.Log, 1)]
    [InlineData("log-log", IntervalTransform.LogLog, 1)]
    [InlineData("plain", IntervalTransform.Plain, 2)]
    [InlineData("log", IntervalTransform.Log, 2)]
    [InlineData("log-log", IntervalTransform.LogLog, 2)]
    public void JackknifeInterval_MatchesSurvfitMultiStateCi(string ct, IntervalTransform transform, int cause)
    {
        var (t, c, _, j) = Load();
        var options = CumulativeIncidenceOptions.Default with { Transform = transform, IntervalVariance = CumulativeIncidenceVariance.Jackknife };
        var cif = CumulativeIncidence.Estimate(t, c, cause, options);
        var ci = j["aalen_johansen"]!["ci"]![ct]!;
        NumericAssert.Close(Golden.Array(ci["lower"]![$"cause{cause}"]), cif.Lower, 1e-10, 1e-300, $"{ct} lower");
        NumericAssert.Close(Golden.Array(ci["upper"]![$"cause{cause}"]), cif.Upper, 1e-10, 1e-300, $"{ct} upper");
    }

    [Fact]
    public void Estimate_SevenRowsTiedCauses_HandCalculation()
    {
        // t: 1(c1) 2(c1) 2(c2) 2(c0) 3(c2) 4(c0) 5(c1)
        double[] t = [2, 5, 1, 2, 3, 2, 4];
        int[] c = [1, 1, 1, 2, 2, 0, 0];
        var cif = CumulativeIncidence.Estimate(t, c, 1);
        // t=1: n=7, S- = 1, F1 = 1/7, S = 6/7
        // t=2: n=6, d1=1, d2=1: F1 += 6/7 * 1/6 = 1/7 → 2/7; F2 = 1/7; S = 6/7 * 4/6 = 4/7
        // t=3: n=3, d2=1: F2 += 4/7 * 1/3; S = 4/7 * 2/3 = 8/21
        // t=4: censored; t=5: n=1, d1=1: F1 += 8/21 → 2/7 + 8/21 = 14/21; S = 0
        Assert.Equal([1.0, 2, 3, 4, 5], cif.Time.ToArray());
        NumericAssert.Close([1.0 / 7, 2.0 / 7, 2.0 / 7, 2.0 / 7, 14.0 / 21], cif.Estimate, 1e-15);
        NumericAssert.Close([0, 1.0 / 7, 1.0 / 7 + (4.0 / 21), 1.0 / 7 + (4.0 / 21), 1.0 / 7 + (4.0 / 21)], cif.EstimateByCause[1], 1e-15);
        NumericAssert.Close([6.0 / 7, 4.0 / 7, 8.0 / 21, 8.0 / 21, 0], cif.EventFree, 1e-15);
        // cuminc's variance after the first step (one own-cause event, n = 7, S- = 1, S = 6/7, F = 1/7):
        // t6 = 1/49, a = 1/S = 7/6, b = 1 + aF = 7/6, v = t6 (b - F a)^2 = (1/49)(7/6 - 1/6)^2 = 1/49.
        NumericAssert.Close(1.0 / 49, cif.Variance[0], 1e-14);
    }

    [Fact]
    public void Estimate_NoCompetingEvents_EqualsOneMinusKaplanMeier()
    {
        var (t, s, _) = Golden.Csv("Reference/lung.csv");
        var cif = CumulativeIncidence.Estimate(t, s, 1);
        var km = KaplanMeier.Estimate(t, s.Select(x => x == 1).ToArray());
        NumericAssert.Close(km.Survival.Select(x => 1 - x).ToArray(), cif.Estimate, 1e-12, 1e-15);
    }

    [Fact]
    public void Estimate_BadArguments_Throw()
    {
        Assert.Equal("durations", Assert.Throws<ArgumentException>(() => CumulativeIncidence.Estimate([], [], 1)).ParamName);
        Assert.Equal("causes", Assert.Throws<ArgumentException>(() => CumulativeIncidence.Estimate([1.0, 2], [1], 1)).ParamName);
        Assert.Equal("durations", Assert.Throws<ArgumentOutOfRangeException>(() => CumulativeIncidence.Estimate([1.0, double.NaN], [1, 0], 1)).ParamName);
        Assert.Equal("causes", Assert.Throws<ArgumentOutOfRangeException>(() => CumulativeIncidence.Estimate([1.0, 2], [1, -1], 1)).ParamName);
        Assert.Equal("eventOfInterest", Assert.Throws<ArgumentOutOfRangeException>(() => CumulativeIncidence.Estimate([1.0, 2], [1, 0], 0)).ParamName);
        Assert.Equal("level", Assert.Throws<ArgumentOutOfRangeException>(() => CumulativeIncidence.Estimate([1.0, 2], [1, 0], 1, 1.0)).ParamName);
    }

    private static Arbitrary<(double[] T, int[] C)> Data() =>
        (from n in Gen.Choose(1, 60)
         from t in Gen.ArrayOf(Gen.Choose(0, 20).Select(x => (double)x), n)
         from c in Gen.ArrayOf(Gen.Choose(0, 2), n)
         select (t, c)).Where(d => d.c.Contains(1)).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Estimate_SumOfCifsPlusEventFree_IsOne_AndBoundsHold()
    {
        return Prop.ForAll(Data(), d =>
        {
            var cif = CumulativeIncidence.Estimate(d.T, d.C, 1);
            for (int i = 0; i < cif.Time.Length; i++)
            {
                double sum = cif.EventFree[i] + cif.EstimateByCause.Sum(f => f[i]);
                if (Math.Abs(sum - 1) > 1e-12)
                {
                    return false;
                }

                if (!double.IsNaN(cif.Lower[i]) && !(cif.Lower[i] <= cif.Estimate[i] + 1e-15 && cif.Estimate[i] <= cif.Upper[i] + 1e-15))
                {
                    return false;
                }

                if (i > 0 && cif.Estimate[i] < cif.Estimate[i - 1])
                {
                    return false;
                }
            }

            return true;
        });
    }

    [Property(MaxTest = 100)]
    public Property Estimate_PermutationInvariant()
    {
        return Prop.ForAll(Data(), d =>
        {
            var a = CumulativeIncidence.Estimate(d.T, d.C, 1);
            var order = Enumerable.Range(0, d.T.Length).Reverse().ToArray();
            var b = CumulativeIncidence.Estimate(order.Select(i => d.T[i]).ToArray(), order.Select(i => d.C[i]).ToArray(), 1);
            return a.Estimate.SequenceEqual(b.Estimate) && a.Variance.SequenceEqual(b.Variance);
        });
    }
}
