using System.Globalization;
using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.MultiState;

/// <summary>survSplit, tmerge and the time-dependent Cox model against Golden/Round3/MultiState (copied from
/// shared/reference/round3/multistate; R 4.2.2, survival 3.5-3): rows exact, the fit at 1e-8.</summary>
public sealed class CountingProcessGoldenTests
{
    private static JsonNode Expected(string kind) => Golden.Json($"Round3/MultiState/{kind}.expected.json");

    private static (string[] Header, string[][] Rows) Csv(string name)
    {
        var lines = File.ReadAllLines(Golden.PathOf("Round3/MultiState/" + name)).Where(l => l.Length > 0).ToArray();
        return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToArray());
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    public static TheoryData<string> Splits() => [.. Expected("split")["splits"]!.AsArray().Select(s => (string)s!["name"]!)];

    [Theory]
    [MemberData(nameof(Splits))]
    public void SurvSplit_EqualsR(string name)
    {
        var s = Expected("split")["splits"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        var (h, rows) = Csv((string)s["csv"]!);
        int a = Array.IndexOf(h, (string)s["start"]!), b = Array.IndexOf(h, (string)s["stop"]!), t = Array.IndexOf(h, (string)s["to"]!);
        string censor = (string)s["censor_state"]!;
        var result = CountingProcess.SurvSplit(rows.Select(r => D(r[a])).ToArray(), rows.Select(r => D(r[b])).ToArray(),
            rows.Select(r => r[t] == censor ? 0 : 1).ToArray(), Golden.Array(s["cuts"]));
        Assert.Equal(s["row"]!.AsArray().Select(v => (int)v!).ToArray(), result.Row.ToArray());
        Assert.Equal(Golden.Array(s["start_out"]), result.Start.ToArray());
        Assert.Equal(Golden.Array(s["stop_out"]), result.Stop.ToArray());
        Assert.Equal(s["status_out"]!.AsArray().Select(v => (int)v!).ToArray(), result.Status.ToArray());
        Assert.Equal(s["episode"]!.AsArray().Select(v => (int)v!).ToArray(), result.Episode.ToArray());
    }

    private static TimeVaryingData Merge(JsonNode m)
    {
        var (bh, base0) = Csv((string)m["base_csv"]!);
        var (ch, changes) = Csv((string)m["changes_csv"]!);
        int id = Array.IndexOf(bh, (string)m["id"]!), fu = Array.IndexOf(bh, (string)m["followup"]!), st = Array.IndexOf(bh, (string)m["status"]!);
        int cid = Array.IndexOf(ch, "id"), ct = Array.IndexOf(ch, "time"), cc = Array.IndexOf(ch, "covariate"), cv = Array.IndexOf(ch, "value");
        return CountingProcess.Tmerge(base0.Select(r => r[id]).ToArray(), base0.Select(r => D(r[fu])).ToArray(), base0.Select(r => int.Parse(r[st], CultureInfo.InvariantCulture)).ToArray(),
            changes.Select(r => new TimeVaryingChange(r[cid], D(r[ct]), r[cc], D(r[cv]))).ToArray());
    }

    [Fact]
    public void Tmerge_EqualsR()
    {
        var m = Expected("tmerge")["merges"]![0]!;
        var data = Merge(m);
        Assert.Equal(m["ids"]!.AsArray().Select(v => (string)v!).ToArray(), data.Ids.ToArray());
        Assert.Equal(Golden.Array(m["start"]), data.Start.ToArray());
        Assert.Equal(Golden.Array(m["stop"]), data.Stop.ToArray());
        Assert.Equal(m["status.1"]!.AsArray().Select(v => (int)v!).ToArray(), data.Status.ToArray());
        Assert.Equal(m["covariates"]!.AsArray().Select(v => (string)v!).ToArray(), data.CovariateNames.ToArray());
        foreach (var name in data.CovariateNames)
        {
            Assert.Equal(Golden.Array(m["values"]![name]), data.Covariates[name].ToArray());
        }

        int missing = m["tcount"]!.AsObject().Sum(kv => (int)kv.Value!["missid"]!);
        Assert.Equal(missing, data.IgnoredChanges);
    }

    [Fact]
    public void TimeDependentCox_EqualsCoxph()
    {
        var model = Expected("tvcox")["models"]![0]!;
        var data = Merge(Expected("tmerge")["merges"]![0]!);
        var fit = CoxRegression.Fit(data.Stop.AsSpan(), data.Status.Select(s => s != 0).ToArray(), data.Design([.. model["terms"]!.AsArray().Select(v => (string)v!)]),
            CoxOptions.Default with { EntryTimes = data.Start.ToArray(), Cluster = data.Ids.ToArray() });
        Assert.True(fit.Converged, fit.ConvergenceNote);
        Assert.Equal((int)model["n"]!, fit.Observations);
        Assert.Equal((int)model["nevent"]!, fit.Events);
        const double tol = 1e-8;
        for (int j = 0; j < fit.Coefficients.Length; j++)
        {
            NumericAssert.Close(Golden.D(model["coef"]![j]), fit.Coefficients[j], tol, 0, $"coef[{j}]");
            NumericAssert.Close(Golden.D(model["se"]![j]), fit.StdErr[j], tol, 0, $"se[{j}]");
            NumericAssert.Close(Golden.D(model["robust_z"]![j]), fit.Z[j], tol, 0, $"z[{j}]");
        }

        NumericAssert.Close(Golden.D(model["loglik"]![1]), fit.LogLikelihood, tol, 0, "loglik");
        Assert.Throws<ArgumentException>(() => data.Design("cytopenia"));   // NaN before its first change
    }
}
