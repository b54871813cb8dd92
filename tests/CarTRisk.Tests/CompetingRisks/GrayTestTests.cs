using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.CompetingRisks;

public sealed class GrayTestTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Test_ThreeGroupsHeavyTies_MatchesCumincTests(int cause)
    {
        var (t, c, g) = Golden.Csv("Reference/cmprsk_synth_A.csv");
        var x = Golden.Json("Reference/cmprsk_synth_A.expected.json")["cuminc_by_group"]!["gray_test"]![$"cause{cause}"]!;
        var r = GrayTest.Test(t, c, g, cause);
        NumericAssert.Close(Golden.D(x["stat"]), r.Statistic, 1e-8);
        Assert.Equal((int)Golden.D(x["df"]), r.DegreesOfFreedom);
        NumericAssert.Close(Golden.D(x["p"]), r.PValue, 1e-8);
    }

    [Fact]
    public void Test_RelabelledGroups_SameStatistic()
    {
        var (t, c, g) = Golden.Csv("Reference/cmprsk_synth_A.csv");
        var a = GrayTest.Test(t, c, g, 1);
        var b = GrayTest.Test(t, c, g.Select(x => x == "A" ? "Z" : x).ToArray(), 1);
        NumericAssert.Close(a.Statistic, b.Statistic, 1e-9);
    }

    [Fact]
    public void Test_BadArguments_Throw()
    {
        Assert.Equal("groups", Assert.Throws<ArgumentException>(() => GrayTest.Test([1.0, 2], [1, 2], ["a", "a"], 1)).ParamName);
        Assert.Equal("groups", Assert.Throws<ArgumentException>(() => GrayTest.Test([1.0, 2], [1, 2], ["a"], 1)).ParamName);
        // A cause that never occurs: no information, R's sentinel (-1, p = 1) becomes NaN with the flag.
        var none = GrayTest.Test([1.0, 2], [1, 2], ["a", "b"], 3);
        Assert.True(none.Singular);
        Assert.True(double.IsNaN(none.Statistic) && double.IsNaN(none.PValue));
        Assert.Equal("groups", Assert.Throws<ArgumentNullException>(() => GrayTest.Test([1.0, 2], [1, 2], new string[] { "a", null! }, 1)).ParamName);
    }

    [Fact]
    public void Test_GroupAllCensoredBeforeFirstEvent_IsSingularNotAnException()
    {
        // Two records: group b is censored before the only event (issue 9: this threw a continued-fraction error).
        var r = GrayTest.Test([1.0, 2], [0, 1], ["b", "a"], 1);
        Assert.True(r.Singular);
        Assert.Equal(1, r.DegreesOfFreedom);
    }

    [Fact]
    public void Test_TooManyGroups_IsAClearErrorNotAHang()
    {
        int n = 2000;
        var t = Enumerable.Range(0, n).Select(i => (double)(i % 997)).ToArray();
        var c = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
        var g = Enumerable.Range(0, n).Select(i => i % 1000).ToArray();
        var e = Assert.Throws<ArgumentException>(() => GrayTest.Test(t, c, g, 1));
        Assert.Equal("groups", e.ParamName);
    }
}
