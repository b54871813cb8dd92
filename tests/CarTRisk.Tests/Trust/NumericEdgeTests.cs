using System.Diagnostics;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Trust;

/// <summary>Issue 9: exact results at the numeric edges, R 4.2 values (Golden/Extra/trust-edges.R).</summary>
public class NumericEdgeTests
{
    [Fact]
    public void RateRatio_HugeCounts_ClosedFormPValueInMilliseconds()
    {
        var sw = Stopwatch.StartNew();
        var rr = CrudeIncidence.RateRatio(1_000_000_000, 1, 1_000_000_000, 1.0000001);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));   // was 106 s: a loop over 10^9 terms
        NumericAssert.Close(0.99825155976601532, rr.PValue, 1e-8);
        NumericAssert.Close(0.69445763978324426, CrudeIncidence.RateRatio(123456789, 1, 123500000, 1.0003).PValue, 1e-8);
        NumericAssert.Close(2.2547364822889575e-10, CrudeIncidence.RateRatio(30, 1, 5, 2).PValue, 1e-10);
        NumericAssert.Close(2.6891837684437199e-06, CrudeIncidence.RateRatio(3, 1, 50, 2).PValue, 1e-10);
    }

    [Fact]
    public void PoissonExact_IntMaxValue_DoesNotOverflow()
    {
        var ci = PoissonInterval.Exact(int.MaxValue);
        NumericAssert.Close(2147392821.3541453, ci.Lower, 1e-10);
        NumericAssert.Close(2147574475.5401816, ci.Upper, 1e-10);
        var rate = CrudeIncidence.Rate(int.MaxValue, 2);
        NumericAssert.Close(2147574475.5401816 / 2, rate.Interval.Upper, 1e-10);
    }

    [Fact]
    public void ClopperPearson_OneShapeIsOne_ExactPowers()
    {
        var hi = BinomialInterval.ClopperPearson(945, 946, 0.999);
        NumericAssert.Close(0.98948069669628613, hi.Lower, 1e-10);
        NumericAssert.Close(0.99999947132673417, hi.Upper, 1e-14);
        var lo = BinomialInterval.ClopperPearson(1, 946, 0.999);
        NumericAssert.Close(5.2867326583606474e-07, lo.Lower, 1e-14);
        var rr = CrudeIncidence.RateRatio(945, 100, 1, 300, 0.999);
        NumericAssert.Close(282.18998962040024, rr.Interval.Lower, 1e-10);
        NumericAssert.Close(5674579.38176832720637, rr.Interval.Upper, 1e-10);   // was 1.6e-9 off
    }
}
