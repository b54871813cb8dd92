using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Trust;

/// <summary>Issue 27's reported fits that stopped short without a flag, with R's values at the optimum (survreg with
/// rel.tolerance = 1e-12, rma with threshold 1e-14 started near the upper mode; Golden/Fits/README.md), and the contract:
/// Converged only at a verified optimum, GradientNorm, ConvergenceNote, a warning in every rendering.</summary>
public sealed class FitOptimumTests
{
    private static (double[] T, bool[] E) Minimal() =>
        ([.. Enumerable.Range(1, 9).Select(i => 30.0 * i), .. Enumerable.Repeat(300.0, 150)], [.. Enumerable.Range(0, 159).Select(i => i < 9)]);

    [Theory]
    [InlineData(OnsetFamily.Weibull, 8.164832398290649, -0.14345693307872229, -85.831027096313164)]
    [InlineData(OnsetFamily.LogLogistic, 8.0997722001587711, -0.15918698442726537, -85.813484046765069)]
    [InlineData(OnsetFamily.LogNormal, 8.8770234997657624, 0.69657247145748713, -85.613733644714955)]
    public void Onset_FewEventsHeavyCensoring_ReachesSurvregsOptimum(OnsetFamily family, double mu, double logScale, double ll)
    {
        var (t, e) = Minimal();
        var f = OnsetDistribution.Fit(t, e, family);
        Assert.True(f.Converged, f.ConvergenceNote);
        Assert.Null(f.ConvergenceNote);
        NumericAssert.Close(mu, f.Intercept, 1e-8, 0, "intercept");
        NumericAssert.Close(logScale, f.LogScale, 1e-8, 0, "log scale");
        NumericAssert.Close(ll, f.LogLikelihood, 1e-10, 0, "loglik");
        Assert.True(f.GradientNorm < 1e-6, $"gradient {f.GradientNorm}");
        Assert.True(f.Variance[0] > 0 && f.Variance[3] > 0);
    }

    [Fact]
    public void Onset_LogNormalFourRecordsOneEvent_ReachesSurvregsOptimum()
    {
        var f = OnsetDistribution.Fit([14, 13, 1, 4], [false, false, false, true], OnsetFamily.LogNormal);
        Assert.True(f.Converged, f.ConvergenceNote);
        NumericAssert.Close(3.082688855601615, f.Intercept, 1e-8, 0, "intercept");
        NumericAssert.Close(0.33075693305204035, f.LogScale, 1e-8, 0, "log scale");
        NumericAssert.Close(-4.3004662855835845, f.LogLikelihood, 1e-10, 0, "loglik");
    }

    [Fact]
    public void Onset_UnboundedLikelihood_SaysNotConverged()
    {
        // every event at one time, every censoring before it: σ → 0 raises the likelihood without bound
        var f = OnsetDistribution.Fit([5, 5, 5, 2, 3], [true, true, true, false, false], OnsetFamily.Weibull);
        Assert.False(f.Converged);
        Assert.NotNull(f.ConvergenceNote);
        Assert.Contains("NOT CONVERGED", f.ToString());
    }

    [Fact]
    public void MetaMl_PositiveModeAboveTheBoundary_IsFound()
    {
        var r = MetaAnalysis.Proportions([356925, 8], [1000000, 50], MetaAnalysisOptions.Default with { Measure = MetaMeasure.Raw, Method = Tau2Estimator.MaximumLikelihood });
        NumericAssert.Close(0.0081567779404501869, r.Tau2, 1e-8, 0, "tau2");
        NumericAssert.Close(0.2723898544159577, r.Estimate, 1e-8, 0, "beta");
        NumericAssert.Close(1.8081815906868266, MetaAnalysis.ProfileLogLikelihood([.. r.StudyEffect], [.. r.StudyVariance], r.Tau2, false), 1e-10, 0, "loglik");
        Assert.True(r.Converged);
        Assert.Null(r.ConvergenceNote);
        Assert.True(r.GradientNorm < 1e-6);

        // the boundary mode R's default start finds has the lower likelihood 1.5524
        NumericAssert.Close(1.5523944027203118, MetaAnalysis.ProfileLogLikelihood([.. r.StudyEffect], [.. r.StudyVariance], 0, false), 1e-10, 0, "loglik at 0");
    }

    [Fact]
    public void MetaReml_Boundary_NamesIt()
    {
        var r = MetaAnalysis.Proportions([10, 20, 30], [100, 200, 300]);
        Assert.Equal(0.0, r.Tau2);
        Assert.True(r.Converged);
        Assert.Equal("tau2 = 0", r.ConvergenceNote);
        Assert.Equal(0.0, r.GradientNorm);
    }

    [Fact]
    public void Glmm_StopsNoLongerBelowTheMaximum()
    {
        int[] xi = [0, 1, 7, 5, 1, 12, 6, 0, 2, 1, 2, 0, 4, 1, 1, 6, 3, 0, 0, 3];
        int[] ni = [6, 6, 43, 36, 26, 48, 38, 5, 9, 5, 19, 34, 15, 48, 20, 30, 43, 13, 37, 13];
        var r = MetaAnalysis.ProportionsGlmm(xi, ni);
        Assert.True(r.Converged, r.ConvergenceNote);
        double[] x = [.. xi.Select(v => (double)v)], n = [.. ni.Select(v => (double)v)];
        double best = MetaAnalysis.GlmmLogLik(x, n, r.Estimate, Math.Sqrt(r.Tau2));

        // the point the old fit returned (beta -1.834, tau2 0.147) is 3.24 log-likelihood units lower
        Assert.True(best - MetaAnalysis.GlmmLogLik(x, n, -1.834, Math.Sqrt(0.147)) > 3);
        Assert.Equal(-2.292, r.Estimate, 3);
        Assert.Equal(0.629, r.Tau2, 3);

        // a maximum: no neighbour is higher
        foreach (var (db, ds) in new[] { (1e-4, 0.0), (-1e-4, 0.0), (0.0, 1e-4), (0.0, -1e-4), (1e-4, 1e-4), (-1e-4, -1e-4) })
        {
            Assert.True(MetaAnalysis.GlmmLogLik(x, n, r.Estimate + db, Math.Sqrt(r.Tau2) + ds) <= best);
        }
    }

    [Fact]
    public void Cox_NearZeroRobustVariance_GivesPZeroLikeR()
    {
        var x = DesignMatrix.Build(Covariate.Numeric("x", [0, 0, 1]));
        var m = CoxRegression.Fit([3, 10, 6], [true, true, true], x, new CoxOptions { Cluster = ["a", "a", "a"], Weights = [1.023, 1.602, 1.907] });
        NumericAssert.Close(0.6287957, m.Coefficients[0], 1e-6, 0, "coef");
        Assert.Equal(0.0, m.PValue[0]);
        Assert.True(m.Converged);
    }

    [Theory]
    [InlineData(0.5, 8.3e101)]
    [InlineData(1, 1e300)]
    [InlineData(1e5, 1e-300)]
    public void GammaTail_FarInTheTail_IsZeroOrOneNotAnException(double a, double x)
    {
        double q = CarTRisk.Numerics.Distributions.GammaTail(a, x, upper: true);
        double p = CarTRisk.Numerics.Distributions.GammaTail(a, x, upper: false);
        Assert.Equal(1.0, p + q, 12);
        Assert.True(q is 0 or 1);
    }

    [Fact]
    public void Cox_WaldTest_RankDeficientVariance_UsesTheGeneralizedCholesky()
    {
        // V of rank 1 (robust variance with one cluster per direction): b'V⁻b on the span, as coxph.wtest
        double[] v = [4, 2, 2, 1];
        var sol = CarTRisk.Numerics.Cholesky.SolveGeneralized(v, [2, 1], 2);
        Assert.Equal(1.0, (sol[0] * 2) + (sol[1] * 1), 12);   // b = V·(0.5, 0): b'V⁻b = 2·0.5 = 1
        var full = CarTRisk.Numerics.Cholesky.SolveGeneralized([2, 1, 1, 2], [1, 1], 2);
        Assert.Equal(1.0 / 3, full[0], 14);
        Assert.Equal(1.0 / 3, full[1], 14);
    }

    [Fact]
    public void NotConvergedFits_WarnInEveryRendering()
    {
        // a group without events: the Cox coefficient runs off to infinity
        var x = DesignMatrix.Build(Covariate.Categorical("g", ["a", "a", "a", "b", "b", "b"]));
        var m = CoxRegression.Fit([1, 2, 3, 4, 5, 6], [true, true, true, false, false, false], x);
        Assert.False(m.Converged);
        Assert.Equal(m.ConvergenceMessage, m.ConvergenceNote);
        Assert.Contains("WARNING: NOT CONVERGED", m.ToTable().ToText(DisclosurePolicy.None));
    }

    /// <summary>The incomplete gamma for shapes above 1e7 (Temme's expansion) against R's pgamma(x, a, lower.tail = FALSE)
    /// and pgamma(x, a), x = a + z√a for z in -5, -1, 0, 0.5, 3, 8 (a = 2e7, 1e9): relative 1e-9. At a = 2^62 R's pgamma and
    /// this expansion differ by up to 4e-9 in the 8-sigma tail; which is nearer was not settled, so those rows are not here.</summary>
    [Theory]
    [InlineData(20000000, 19977639.320225, 0.99999971599787485, 2.8400212510617572e-07)]
    [InlineData(20000000, 19995527.864045002, 0.8413447480852243, 0.15865525191477567)]
    [InlineData(20000000, 20000000, 0.49997026459805582, 0.50002973540194418)]
    [InlineData(20000000, 20002236.067977499, 0.30851785776764251, 0.69148214223235749)]
    [InlineData(20000000, 20013416.407864999, 0.0013525418939484722, 0.9986474581060516)]
    [InlineData(20000000, 20035777.087639995, 6.4624535579281985e-16, 0.99999999999999933)]
    [InlineData(1000000000, 999841886.11699164, 0.99999971372433982, 2.8627566018052615e-07)]
    [InlineData(1000000000, 999968377.22339833, 0.84134474610878329, 0.15865525389121662)]
    [InlineData(1000000000, 1000000000, 0.49999579477912992, 0.50000420522087008)]
    [InlineData(1000000000, 1000015811.3883009, 0.30853475540642727, 0.69146524459357273)]
    [InlineData(1000000000, 1000094868.329805, 0.0013502717822821203, 0.99864972821771791)]
    [InlineData(1000000000, 1000252982.2128135, 6.2545958437781691e-16, 0.99999999999999933)]
    public void GammaTail_HugeShape_EqualsPgamma(double a, double x, double q, double p)
    {
        NumericAssert.Close(q, CarTRisk.Numerics.Distributions.GammaTail(a, x, upper: true), 1e-9, 1e-300, "Q");
        NumericAssert.Close(p, CarTRisk.Numerics.Distributions.GammaTail(a, x, upper: false), 1e-9, 1e-300, "P");
    }

    [Fact]
    public void Ic_AtCountsOf2To62_GivesAnInterval()
    {
        long big = 1L << 62;
        var ic = Disproportionality.Ic(big, 1, 1, big);
        Assert.True(ic.Lower < ic.Value && ic.Value < ic.Upper, $"{ic}");
    }
}
