using System.Text.Json;
using System.Text.Json.Nodes;

namespace CarTRisk.Tests.Support;

/// <summary>Reads the R golden files copied into Golden/ (see Golden/Reference/SOURCE.md).</summary>
internal static class Golden
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Golden");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static JsonNode Json(string relative) =>
        JsonNode.Parse(File.ReadAllText(PathOf(relative)))
        ?? throw new InvalidDataException($"{relative} is empty");

    /// <summary>A JSON number, null (R NA → NaN) or "NaN"/"Infinity"/"-Infinity" as a double.</summary>
    public static double D(JsonNode? node) => node switch
    {
        null => double.NaN,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => throw new InvalidDataException($"unexpected string {s}"),
        },
        JsonValue v => v.GetValue<double>(),
        _ => throw new InvalidDataException($"not a number: {node.ToJsonString()}"),
    };

    /// <summary>null stays null (R NA); numbers as doubles.</summary>
    public static double? N(JsonNode? node) => node is null ? null : D(node);

    public static double[] Array(JsonNode? node) =>
        node is JsonArray a ? a.Select(D).ToArray()
        : node is null ? [] : [D(node)];

    /// <summary>Reads an id,time,status|cause,group CSV.</summary>
    public static (double[] Time, int[] Status, string[] Group) Csv(string relative)
    {
        var lines = File.ReadAllLines(PathOf(relative));
        int n = lines.Length - 1;
        var time = new double[n];
        var status = new int[n];
        var group = new string[n];
        for (int i = 0; i < n; i++)
        {
            var f = lines[i + 1].Split(',');
            time[i] = double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture);
            status[i] = int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture);
            group[i] = f[3];
        }

        return (time, status, group);
    }
}
