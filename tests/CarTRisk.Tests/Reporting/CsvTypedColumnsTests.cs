using System.Globalization;
using CarTRisk.Tests.Support;
using CsvHelper;

namespace CarTRisk.Tests.Reporting;

/// <summary>Issue 26: the CSV report is machine-readable: CsvHelper reads it into typed columns (estimate, lower, upper
/// as numbers, unit, withheld), the numbers equal the report's properties, and the policy travels with it.</summary>
public sealed class CsvTypedColumnsTests
{
    public sealed record Row(string Table, string Row_, string Column, string Value, double? Estimate, double? Lower, double? Upper, string Unit, bool Withheld);

    /// <summary>CsvHelper 34 (strict: a header, every line the header's field count), fields parsed into types: a
    /// number column that is not empty must parse as an invariant double, withheld as a boolean.</summary>
    private static List<Row> Read(string csv)
    {
        using var reader = CsvReader.Create(new StringReader(csv), CsvReaderOptions.Default with
        {
            HasHeader = true,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
        });
        Assert.Equal(["table", "row", "column", "value", "estimate", "lower", "upper", "unit", "withheld"], reader.Headers);
        static double? D(string s) => s.Length == 0 ? null : double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                D(reader.GetString(4)), D(reader.GetString(5)), D(reader.GetString(6)), reader.GetString(7), bool.Parse(reader.GetString(8))));
        }

        return rows;
    }

    [Fact]
    public void SafetyReportCsv_ReadsIntoTypedColumns()
    {
        var report = SafetySummary.Compute(CohortCsv.Read(Golden.PathOf("Cohorts/example-cohort.csv")));
        var rows = Read(report.ToCsv());
        Row Get(string table, string row, string column) => rows.Single(r => r.Table == table && r.Row_.StartsWith(row, StringComparison.Ordinal) && r.Column == column);

        var patients = Get("Summary", "Patients", "Value");
        Assert.Equal((724.0, "count", false), (patients.Estimate!.Value, patients.Unit, patients.Withheld));
        var crude = Get("Summary", "Crude incidence", "Value");
        Assert.Equal("%", crude.Unit);
        Assert.Equal(Math.Round(100 * report.CrudeIncidence.Value, 2), crude.Estimate!.Value, 12);
        Assert.Equal(Math.Round(100 * report.CrudeIncidence.Interval.Lower, 2), crude.Lower!.Value, 12);
        Assert.Equal(Math.Round(100 * report.CrudeIncidence.Interval.Upper, 2), crude.Upper!.Value, 12);
        var rate = Get("Summary", "Rate per 100", "Value");
        Assert.Equal(Math.Round(report.RatePer100PersonYears.Value, 3), rate.Estimate!.Value, 12);
        Assert.Equal("", rate.Unit);
        var followUp = Get("Summary", "Median follow-up", "Value");
        Assert.Equal((1420.0, 1362.0, 1507.0), (followUp.Estimate!.Value, followUp.Lower!.Value, followUp.Upper!.Value));
        var ci = Get("Cumulative risk of secondary malignancy", "365 days", "95% CI");
        Assert.Null(ci.Estimate);
        Assert.Equal((0.93, 2.87), (ci.Lower!.Value, ci.Upper!.Value));

        // withheld values: the marker, no number, flagged
        var withheld = rows.Where(r => r.Withheld).ToList();
        Assert.NotEmpty(withheld);
        Assert.All(withheld, r => Assert.Equal(("<11", (double?)null, (double?)null, (double?)null), (r.Value, r.Estimate, r.Lower, r.Upper)));

        // the policy travels with the data
        Assert.Equal("11", Get("Disclosure policy", "Threshold", "value").Value);
        Assert.Equal("on", Get("Disclosure policy", "Linear audit", "value").Value);
        Assert.Equal("none", Read(report.ToCsv(DisclosurePolicy.None)).Single(r => r.Table == "Disclosure policy" && r.Row_ == "Threshold").Value);
    }

    [Theory]
    [InlineData("3.73 % (2.47 % to 5.38 %)", 3.73, 2.47, 5.38, "%")]
    [InlineData("5.842 (4.211 to 7.897)", 5.842, 4.211, 7.897, "")]
    [InlineData("1,420 (1,362 to 1,507)", 1420.0, 1362.0, 1507.0, "")]
    [InlineData("20.00 %", 20.0, null, null, "%")]
    [InlineData("14.88 % to 25.67 %", null, 14.88, 25.67, "%")]
    [InlineData("718.9", 718.9, null, null, "")]
    [InlineData("-0.25", -0.25, null, null, "")]
    [InlineData("224 (155-344)", null, null, null, "")]
    [InlineData("LogNormal, median 226 days (196 to 261)", null, null, null, "")]
    [InlineData("NA", null, null, null, "")]
    public void Typed_ParsesOnlyTheRenderersFormats(string value, double? estimate, double? lower, double? upper, string unit)
    {
        Assert.Equal((estimate, lower, upper, unit), Reports.Typed(value));
    }
}
