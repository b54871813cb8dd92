using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Meta;

/// <summary>metafor golden values (Golden/Round2/meta, metafor 3.8-1 with tight control; see its README).</summary>
public sealed class MetaGoldenTests
{
    public static TheoryData<string, string> Fits()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in new[] { "pritz1997", "nielweise2007_control", "nielweise2008_control" })
        {
            foreach (var f in Golden.Json($"Round2/meta/{file}.expected.json")["fits"]!.AsArray())
            {
                if ((string)f!["function"]! != "ProportionsGlmm")
                {
                    data.Add(file, (string)f["id"]!);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fits))]
    public void Rma_EqualsMetafor(string file, string id)
    {
        var d = Golden.Json($"Round2/meta/{file}.expected.json");
        var f = d["fits"]!.AsArray().First(x => (string)x!["id"]! == id)!;
        var options = MetaAnalysisOptions.Default with
        {
            Measure = Enum.Parse<MetaMeasure>((string)f["measure"]!),
            Method = Enum.Parse<Tau2Estimator>((string)f["method"]!),
            KnappHartung = (bool)f["knapp_hartung"]!,
            Level = Golden.D(f["level"]),
        };
        var events = d["events"]!.AsArray().Select(x => (int)x!).ToArray();
        var r = (string)f["function"]! == "Rates"
            ? MetaAnalysis.Rates(events, d["person_time"]!.AsArray().Select(Golden.D).ToArray(), options)
            : MetaAnalysis.Proportions(events, d["totals"]!.AsArray().Select(x => (int)x!).ToArray(), options);
        bool iterative = (bool)f["iterative"]!;
        double tol = iterative ? 1e-8 : 1e-10;
        double meanV = f["study_vi"]!.AsArray().Select(Golden.D).Average();
        void C(string field, double actual, double t, double floor = 1e-14) => NumericAssert.Close(Golden.D(f[field]), actual, t, floor, $"{id} {field}");
        Assert.Equal((int)f["k"]!, r.Studies);
        C("estimate", r.Estimate, tol);
        C("se", r.StdErr, tol);
        C("pooled", r.Pooled, tol);
        C("ci_lb", r.Interval.Lower, tol);
        C("ci_ub", r.Interval.Upper, tol);
        C("pi_lb", r.PredictionInterval.Lower, tol);
        C("pi_ub", r.PredictionInterval.Upper, tol);
        C("tau2", r.Tau2, tol, 1e-10 * meanV);
        C("I2", r.I2, tol, 1e-7);
        C("H2", r.H2, tol);
        C("Q", r.Q, 1e-10);
        C("Q_p", r.QPValue, 1e-10);
        C("tau2_ci_lb", r.Tau2Interval.Lower, 1e-8, 1e-12 * meanV);
        C("tau2_ci_ub", r.Tau2Interval.Upper, 1e-8, 1e-12 * meanV);
        for (int i = 0; i < r.Studies; i++)
        {
            NumericAssert.Close(Golden.D(f["study_yi"]![i]), r.StudyEffect[i], 1e-10, 1e-14, $"{id} yi[{i}]");
            NumericAssert.Close(Golden.D(f["study_vi"]![i]), r.StudyVariance[i], 1e-10, 0, $"{id} vi[{i}]");
            NumericAssert.Close(Golden.D(f["study_value"]![i]), r.StudyValue[i], 1e-10, 1e-14, $"{id} value[{i}]");
            NumericAssert.Close(Golden.D(f["study_lower"]![i]), r.StudyLower[i], 1e-10, 1e-14, $"{id} lower[{i}]");
            NumericAssert.Close(Golden.D(f["study_upper"]![i]), r.StudyUpper[i], 1e-10, 1e-14, $"{id} upper[{i}]");
            NumericAssert.Close(Golden.D(f["weight_percent"]![i]), r.WeightPercent[i], tol, 0, $"{id} weight[{i}]");
        }
    }
}
