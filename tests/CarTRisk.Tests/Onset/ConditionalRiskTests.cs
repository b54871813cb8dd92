using System.Text.Json.Nodes;
using CarTRisk.Tests.Regression;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Onset;

/// <summary>Delayed entry and conditional (landmark) cumulative incidence against survfit (Golden/Round2/cifext.expected.json).</summary>
public sealed class ConditionalRiskTests
{
    private static JsonNode Ref => Golden.Json("Round2/cifext.expected.json");

    [Fact]
    public void DelayedEntry_EqualsSurvfitCountingProcess()
    {
        var r = Ref["delayed_entry"]![0]!;
        var entry = CoxGoldenTests.Num("entry");
        var time = CoxGoldenTests.Num("etime");
        var cause = CoxGoldenTests.Num("event").Select(v => (int)v).ToArray();
        var at = r["at_times"]!;
        foreach (int k in new[] { 1, 2 })
        {
            var cif = CumulativeIncidence.Estimate(entry, time, cause, k);
            var times = at["time"]!.AsArray().Select(Golden.D).ToArray();
            for (int i = 0; i < times.Length; i++)
            {
                int row = StepFunction(cif.Time, times[i]);
                NumericAssert.Close(Golden.D(at["std_err"]![$"cause{k}"]![i]), cif.JackknifeStdErr[k][row], 1e-10, 1e-15, $"std.err cause {k} at {times[i]}");
                NumericAssert.Close(Golden.D(at["std_err"]!["s0"]![i]), cif.JackknifeStdErr[0][row], 1e-10, 1e-15, $"std.err s0 at {times[i]}");
                NumericAssert.Close(Golden.D(at["pstate"]![$"cause{k}"]![i]), cif.At(times[i]).Estimate, 1e-10, 1e-15, $"cause {k} at {times[i]}");
                NumericAssert.Close(Golden.D(at["pstate"]!["s0"]![i]), cif.EventFree[StepFunction(cif.Time, times[i])], 1e-10, 1e-15, "event-free");
            }
        }
    }

    [Fact]
    public void Conditional_EqualsSurvfitStartTime()
    {
        var time = CoxGoldenTests.Num("etime");
        var cause = CoxGoldenTests.Num("event").Select(v => (int)v).ToArray();
        foreach (var r in Ref["conditional"]!.AsArray())
        {
            double landmark = Golden.D(r!["landmark"]);
            var at = r["at_times"]!;
            var times = at["time"]!.AsArray().Select(Golden.D).ToArray();
            foreach (int k in new[] { 1, 2 })
            {
                var cif = CumulativeIncidence.Conditional(time, cause, k, landmark,
                    CumulativeIncidenceOptions.Default with { IntervalVariance = CumulativeIncidenceVariance.Jackknife });
                Assert.Equal((int)r["n_at_risk_at_landmark"]!, (int)cif.AtRisk[0]);
                for (int i = 0; i < times.Length; i++)
                {
                    var p = cif.At(times[i]);
                    NumericAssert.Close(Golden.D(at["pstate"]![$"cause{k}"]![i]), p.Estimate, 1e-10, 1e-15, $"L {landmark} cause {k} at {times[i]}");
                    int j = StepFunction(cif.Time, times[i]);
                    NumericAssert.Close(Golden.D(at["std_err"]![$"cause{k}"]![i]), cif.JackknifeStdErr[k][j], 1e-10, 1e-15, "std.err");
                    if (p.Estimate is > 0 and < 1)
                    {
                        Assert.True(p.Lower <= p.Estimate && p.Estimate <= p.Upper);
                    }
                }
            }
        }
    }

    [Fact]
    public void Conditional_TinyData_ByHand()
    {
        // times 1 (death), 2 (case), 3 (case), 4 (censored), 5 (case); landmark 2 keeps {2, 3, 4, 5}:
        // F(2) = 1/4, F(3) = 1/4 + 3/4 * 1/3 = 1/2, F(5) = 1/2 + 1/2 * 1/1 = 1 (the censoring at 4 leaves one at risk).
        var cif = CumulativeIncidence.Conditional([1.0, 2, 3, 4, 5], [2, 1, 1, 0, 1], 1, 2);
        Assert.Equal(0.25, cif.At(2).Estimate, 15);
        Assert.Equal(0.5, cif.At(3).Estimate, 15);
        Assert.Equal(1.0, cif.At(5).Estimate, 15);
        // no event at the landmark: the conditional risk there is 0
        Assert.Equal(0.0, CumulativeIncidence.Conditional([1.0, 2, 3, 4, 5], [2, 1, 1, 0, 1], 1, 1.5).At(1.5).Estimate);
        Assert.Throws<ArgumentException>(() => CumulativeIncidence.Conditional([1.0, 2], [1, 0], 1, 10));
    }

    private static int StepFunction(System.Collections.Immutable.ImmutableArray<double> t, double x)
    {
        int j = -1;
        for (int i = 0; i < t.Length && t[i] <= x; i++)
        {
            j = i;
        }

        return j;
    }
}
