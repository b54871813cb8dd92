namespace CarTRisk.Tests.Adjusted;

/// <summary>Nearest-neighbour matching against Golden/Round3/Adjusted/matching.expected.json (MatchIt 4.5.1): the same
/// partition into matched sets and the same weights.</summary>
public sealed class MatchingGoldenTests
{
    public static TheoryData<string> Cases() =>
        [.. AdjustedData.Expected("matching")["matchings"]!.AsArray().Select(m => (string)m!["name"]!)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Nearest_EqualsMatchIt(string name)
    {
        var m = AdjustedData.Expected("matching")["matchings"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        string csv = (string)m["csv"]!;
        var treated = AdjustedData.Num(csv, (string)m["treated"]!).Select(v => v == 1).ToArray();
        var distance = AdjustedData.Num(csv, (string)m["distance"]!);
        var options = MatchingOptions.Default with
        {
            Ratio = (int)m["ratio"]!,
            Caliper = m["caliper"] is { } c ? (double)c : null,
            Replace = (bool)m["replace"]!,
        };
        var result = Matching.Nearest(distance, treated, options);
        var expected = m["subclass"]!.AsArray().Select(v => (int)v!).ToArray();
        AssertSamePartition(expected, [.. result.Subclass]);
        AdjustedData.Close(m["weights"], result.Weights, 1e-12, "weights");
        Assert.Equal((int)m["matched_treated"]!, result.MatchedTreated);
        Assert.Equal((int)m["matched_control"]!, result.MatchedControl);
    }

    internal static void AssertSamePartition(int[] expected, int[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var map = new Dictionary<int, int>();
        var back = new Dictionary<int, int>();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True((expected[i] == -1) == (actual[i] == -1), $"unit {i}: R subclass {expected[i]}, CarTRisk {actual[i]}");
            if (expected[i] == -1)
            {
                continue;
            }

            Assert.True(map.TryAdd(expected[i], actual[i]) || map[expected[i]] == actual[i], $"unit {i}: R set {expected[i]} split");
            Assert.True(back.TryAdd(actual[i], expected[i]) || back[actual[i]] == expected[i], $"unit {i}: CarTRisk set {actual[i]} merges R sets");
        }
    }
}

/// <summary>119 random data sets (Golden/Round3/Matching/generate.R, MatchIt 4.5.1): tied distances, scores and logits,
/// ratio 1-3, calipers, replacement: the same match matrix, partition and weights.</summary>
public sealed class MatchingDifferentialTests
{
    [Fact]
    public void Nearest_EqualsMatchIt_OnRandomData()
    {
        var cases = CarTRisk.Tests.Support.Golden.Json("Round3/Matching/matching_diff.json")["cases"]!.AsArray();
        Assert.True(cases.Count > 100);
        int index = 0;
        foreach (var c in cases)
        {
            var treated = Ints(c!["treated"]).Select(v => v == 1).ToArray();
            var distance = CarTRisk.Tests.Support.Golden.Array(c["distance"]);
            var options = MatchingOptions.Default with
            {
                Ratio = (int)c["ratio"]!,
                Replace = (bool)c["replace"]!,
                Caliper = c["caliper"] is { } cal ? (double)cal : null,
            };
            var r = Matching.Nearest(distance, treated, options);
            var mm = c["match_matrix"]!.AsArray();
            Assert.Equal(mm.Count, r.MatchMatrix.Length);
            for (int t = 0; t < mm.Count; t++)
            {
                Assert.True(Ints(mm[t]).SequenceEqual(r.MatchMatrix[t]), $"case {index}, treated row {t}: R [{string.Join(",", Ints(mm[t]))}], CarTRisk [{string.Join(",", r.MatchMatrix[t])}]");
            }

            MatchingGoldenTests.AssertSamePartition(Ints(c["subclass"]), [.. r.Subclass]);
            AdjustedData.Close(c["weights"], r.Weights, 1e-12, $"case {index} weights");
            index++;
        }
    }

    // jsonlite's auto_unbox writes a one-element vector as a scalar
    private static int[] Ints(System.Text.Json.Nodes.JsonNode? n) => n switch
    {
        System.Text.Json.Nodes.JsonArray a => [.. a.Select(v => (int)v!)],
        null => [],
        _ => [(int)n],
    };
}
