using System.Globalization;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Meta;

public sealed class MetaEstimatorTests
{
    private static readonly int[] Xi = [16, 10, 4, 43, 10, 25, 13, 12, 22, 4, 5, 18, 58, 6];
    private static readonly int[] Ni = [17, 12, 8, 58, 10, 42, 14, 12, 41, 5, 6, 23, 68, 10];

    /// <summary>ML, PM, SJ, HS, HE and EB against metafor (Golden/Extra/meta/estimators.R, tight control).</summary>
    [Fact]
    public void OtherEstimators_EqualMetafor()
    {
        var rows = File.ReadAllLines(Golden.PathOf("Extra/meta/estimators.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.True(rows.Count >= 12);
        foreach (var r in rows)
        {
            var measure = r[1] switch { "PLO" => MetaMeasure.Logit, "PAS" => MetaMeasure.ArcSine, _ => MetaMeasure.Raw };
            var method = r[2] switch
            {
                "ML" => Tau2Estimator.MaximumLikelihood, "PM" => Tau2Estimator.PauleMandel, "SJ" => Tau2Estimator.SidikJonkman,
                "HS" => Tau2Estimator.HunterSchmidt, "HE" => Tau2Estimator.Hedges, _ => Tau2Estimator.EmpiricalBayes,
            };
            var fit = MetaAnalysis.Proportions(Xi, Ni, MetaAnalysisOptions.Default with { Measure = measure, Method = method });
            double tol = method is Tau2Estimator.MaximumLikelihood or Tau2Estimator.PauleMandel or Tau2Estimator.EmpiricalBayes ? 1e-8 : 1e-10;
            double N(int c) => double.Parse(r[c], CultureInfo.InvariantCulture);
            NumericAssert.Close(N(3), fit.Estimate, tol, 0, $"{r[1]}/{r[2]} estimate");
            NumericAssert.Close(N(4), fit.StdErr, tol, 0, $"{r[1]}/{r[2]} se");
            NumericAssert.Close(N(5), fit.Tau2, tol, 1e-12, $"{r[1]}/{r[2]} tau2");
        }
    }

    [Fact]
    public void DerSimonianLaird_ByHand_OnThreeStudies()
    {
        // PR on 10/50, 20/50, 30/60: y = 0.2, 0.4, 0.5; v = y(1 - y)/n
        var fit = MetaAnalysis.Proportions([10, 20, 30], [50, 50, 60], MetaAnalysisOptions.Default with { Measure = MetaMeasure.Raw, Method = Tau2Estimator.DerSimonianLaird });
        double[] y = [0.2, 0.4, 0.5];
        double[] v = [0.2 * 0.8 / 50, 0.4 * 0.6 / 50, 0.5 * 0.5 / 60];
        double sw = v.Sum(x => 1 / x), sw2 = v.Sum(x => 1 / (x * x));
        double fe = y.Select((yi, i) => yi / v[i]).Sum() / sw;
        double q = y.Select((yi, i) => (yi - fe) * (yi - fe) / v[i]).Sum();
        double tau2 = Math.Max(0, (q - 2) / (sw - (sw2 / sw)));
        Assert.Equal(q, fit.Q, 12);
        Assert.Equal(tau2, fit.Tau2, 14);
        double mu = y.Select((yi, i) => yi / (v[i] + tau2)).Sum() / v.Sum(x => 1 / (x + tau2));
        Assert.Equal(mu, fit.Estimate, 14);
    }

    [Fact]
    public void Properties_OrderAndIdenticalStudies()
    {
        var fit = MetaAnalysis.Proportions(Xi, Ni, MetaAnalysisOptions.Default with { Method = Tau2Estimator.DerSimonianLaird });
        var rev = MetaAnalysis.Proportions(Xi.Reverse().ToArray(), Ni.Reverse().ToArray(), MetaAnalysisOptions.Default with { Method = Tau2Estimator.DerSimonianLaird });
        Assert.Equal(fit.Estimate, rev.Estimate, 13);
        Assert.Equal(fit.Tau2, rev.Tau2, 13);
        foreach (var method in Enum.GetValues<Tau2Estimator>())
        {
            var same = MetaAnalysis.Proportions([5, 5, 5, 5], [40, 40, 40, 40], MetaAnalysisOptions.Default with { Method = method });
            Assert.Equal(0.0, same.Tau2);
            Assert.Equal(0.0, same.Tau2Interval.Lower);
        }

        Assert.Throws<ArgumentException>(() => MetaAnalysis.Proportions([1], [10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MetaAnalysis.Proportions([11, 1], [10, 10]));
    }
}
