using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Population;

/// <summary>SIR golden values (Golden/Round2/sir, R 4.2.2; Lexis split to API.md's conventions, poisson.test, epiR Byar,
/// mid-p solved to machine precision; cross-checked with popEpi): relative 1e-10, counts exact.</summary>
public sealed class SirGoldenTests
{
    private static readonly Cohort Cohort = CohortCsv.Read(Golden.PathOf("Round2/sir/sir_A.cohort.csv"));

    public static TheoryData<string> Variants() =>
        [.. Golden.Json("Round2/sir/sir_A.expected.json")["variants"]!.AsArray().Select(v => (string)v!["name"]!)];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Compute_EqualsR(string name)
    {
        var v = Golden.Json("Round2/sir/sir_A.expected.json")["variants"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        var rates = ReferenceRates.ReadCsv(Golden.PathOf("Round2/sir/" + (string)v["rates_csv"]!));
        var types = v["case_types"]?.AsArray().Select(t => (string)t!).ToHashSet();
        var options = SirOptions.Default with
        {
            Interval = Enum.Parse<SirInterval>((string)v["interval"]!),
            Level = Golden.D(v["level"]),
            LatencyDays = Golden.D(v["latency_days"]),
            CaseFilter = types is null ? null : r => types.Contains(r.MalignancyType ?? ""),
        };
        var sir = StandardizedIncidence.Compute(Cohort, rates, options);
        const double tol = 1e-10;
        Assert.Equal((int)v["observed"]!, sir.Observed);
        NumericAssert.Close(Golden.D(v["expected"]), sir.Expected, tol, 0, "E");
        NumericAssert.Close(Golden.D(v["person_years"]), sir.PersonYears, tol, 0, "PY");
        NumericAssert.Close(Golden.D(v["ratio"]), sir.Ratio, tol, 0, "SIR");
        NumericAssert.Close(Golden.D(v["lower"]), sir.Interval.Lower, tol, 1e-300, "lower");
        NumericAssert.Close(Golden.D(v["upper"]), sir.Interval.Upper, tol, 0, "upper");
        NumericAssert.Close(Golden.D(v["p_value"]), sir.PValue, tol * Math.Max(1, sir.Ratio), 1e-300, "p");
        NumericAssert.Close(Golden.D(v["ear_per_10000"]), sir.ExcessAbsoluteRiskPer10000, tol, 0, "EAR");
        Strata(v["by_sex"]!, sir.BySex);
        Strata(v["by_age_band"]!, sir.ByAgeBand);
        Strata(v["by_calendar_year"]!, sir.ByCalendarYear);
    }

    private static void Strata(JsonNode expected, System.Collections.Immutable.ImmutableArray<SirRow> rows)
    {
        var obs = expected["observed"]!.AsArray();
        Assert.Equal(obs.Count, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal((int)obs[i]!, rows[i].Observed);
            NumericAssert.Close(Golden.D(expected["expected"]![i]), rows[i].Expected, 1e-10, 0, $"{rows[i].Stratum} E");
            NumericAssert.Close(Golden.D(expected["person_years"]![i]), rows[i].PersonYears, 1e-10, 0, $"{rows[i].Stratum} PY");
            NumericAssert.Close(Golden.D(expected["lower"]![i]), rows[i].Interval.Lower, 1e-10, 1e-300, $"{rows[i].Stratum} lower");
            NumericAssert.Close(Golden.D(expected["upper"]![i]), rows[i].Interval.Upper, 1e-10, 0, $"{rows[i].Stratum} upper");
        }

        if (expected["stratum"] is JsonArray labels)
        {
            Assert.Equal(labels.Select(l => (string)l!).ToArray(), rows.Select(r => r.Stratum).ToArray());
        }
        else if (expected["year"] is JsonArray years)
        {
            Assert.Equal(years.Select(y => ((int)y!).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(), rows.Select(r => r.Stratum).ToArray());
        }
    }

    [Fact]
    public void HandCalculation_BoundaryAndNewYear()
    {
        // One woman born 1960-07-01, infused 2019-12-01 (age 59.4), case 2020-03-01: the follow-up crosses 1 January 2020
        // and ends before her 60th birthday on the day scale (birth + 21915 days), so it stays in band 0-60.
        var rates = ReferenceRates.FromRows([
            new ReferenceRate(Sex.Female, 0, 60, 2019, 2020, 0.001), new ReferenceRate(Sex.Female, 60, 120, 2019, 2020, 0.002),
            new ReferenceRate(Sex.Male, 0, 60, 2019, 2020, 0.001), new ReferenceRate(Sex.Male, 60, 120, 2019, 2020, 0.002)]);
        var r = new CohortRecord("A", null, new DateOnly(2019, 12, 1), new DateOnly(2020, 3, 1), new DateOnly(2020, 3, 1), "solid", null, TransgeneStatus.NotTested)
        { BirthDate = new DateOnly(1960, 7, 1), Sex = Sex.Female };
        var sir = StandardizedIncidence.Compute(new Cohort([r]), rates);
        double d2019 = new DateOnly(2020, 1, 1).DayNumber - new DateOnly(2019, 12, 1).DayNumber;   // 31 days in 2019
        double d2020 = new DateOnly(2020, 3, 1).DayNumber - new DateOnly(2020, 1, 1).DayNumber;   // 60 days in 2020
        Assert.Equal((d2019 + d2020) / 365.25, sir.PersonYears, 14);
        Assert.Equal((d2019 + d2020) / 365.25 * 0.001, sir.Expected, 15);
        Assert.Equal(["2019", "2020"], sir.ByCalendarYear.Select(x => x.Stratum).ToArray());
        Assert.Equal([0, 1], sir.ByCalendarYear.Select(x => x.Observed).ToArray());

        // A man crossing age 60 (birth + 21915 days) mid-follow-up: person-time split exactly at the quarter day.
        var m = new CohortRecord("B", null, new DateOnly(2020, 1, 1), new DateOnly(2020, 12, 31), null, null, null, TransgeneStatus.NotTested)
        { BirthDate = new DateOnly(1960, 3, 1), Sex = Sex.Male };
        var sm = StandardizedIncidence.Compute(new Cohort([m]), rates);
        double boundary = new DateOnly(1960, 3, 1).DayNumber + (60 * 365.25);
        double before = boundary - new DateOnly(2020, 1, 1).DayNumber, after = new DateOnly(2020, 12, 31).DayNumber - boundary;
        Assert.Equal(((before * 0.001) + (after * 0.002)) / 365.25, sm.Expected, 15);
        Assert.Equal(["0-60", "60-120"], sm.ByAgeBand.Select(x => x.Stratum).ToArray());
    }

    /// <summary>Issue 26: the SIR table puts each value in its own column (excess risk and p-value no longer in the SIR
    /// and interval columns), for every row; a stratum whose reference rate is 0 prints NA, not "NaN to NaN". p and the
    /// excess equal the result's properties (= poisson.test(O, T = E)$p.value; (O - E) / PY x 10,000).</summary>
    [Fact]
    public void Table_OneValuePerColumn_NaWhereNothingIsExpected()
    {
        var rates = ReferenceRates.FromRows([
            new ReferenceRate(Sex.Female, 0, 60, 2019, 2020, 0.0), new ReferenceRate(Sex.Female, 60, 120, 2019, 2020, 0.0),
            new ReferenceRate(Sex.Male, 0, 60, 2019, 2020, 0.001), new ReferenceRate(Sex.Male, 60, 120, 2019, 2020, 0.002)]);
        var records = Enumerable.Range(0, 40).Select(i => new CohortRecord($"P{i}", null, new DateOnly(2019, 3, 1), new DateOnly(2020, 12, 1),
            i < 3 ? new DateOnly(2020, 6, 1) : null, i < 3 ? "solid" : null, null, TransgeneStatus.NotTested)
        { BirthDate = new DateOnly(i % 2 == 0 ? 1950 : 1975, 1, 1), Sex = i % 4 == 1 ? Sex.Female : Sex.Male }).ToList();
        var sir = StandardizedIncidence.Compute(new Cohort(records), rates);
        var rows = sir.ToTable().Render(DisclosurePolicy.None);
        Assert.Equal(["Stratum", "Observed", "Expected", "Person-years", "SIR", "95% CI", "Excess per 10,000 person-years", "p (two-sided, exact)"], rows[0]);
        var all = rows.Single(r => r[0] == "All");
        Assert.Equal(sir.ExcessAbsoluteRiskPer10000.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), all[6]);
        Assert.Equal(sir.PValue.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), all[7]);
        Assert.DoesNotContain(rows, r => r[0].StartsWith("Excess", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.DoesNotContain(r, v => v.Contains("NaN", StringComparison.Ordinal) || v.Contains('∞')));
        var female = rows.Single(r => r[0] == "sex female");   // no female rate: nothing expected
        Assert.Equal(["0.00", "NA", "NA", "NA"], new[] { female[2], female[4], female[5], female[7] });
    }

    [Fact]
    public void Properties_FinerSplitEqualRates_DoubleRatesHalveSir()
    {
        var rates = ReferenceRates.ReadCsv(Golden.PathOf("Round2/sir/sir_A.rates.csv"));
        var sir = StandardizedIncidence.Compute(Cohort, rates);
        var doubled = ReferenceRates.FromRows(rates.Rows.Select(r => r with { RatePerPersonYear = 2 * r.RatePerPersonYear }));
        Assert.Equal(sir.Ratio / 2, StandardizedIncidence.Compute(Cohort, doubled).Ratio, 12);
        // split every year block into single years with the same rates: E unchanged
        var fine = ReferenceRates.FromRows(rates.Rows.SelectMany(r => Enumerable.Range(r.YearFrom, r.YearTo - r.YearFrom + 1).Select(y => r with { YearFrom = y, YearTo = y })));
        Assert.Equal(sir.Expected, StandardizedIncidence.Compute(Cohort, fine).Expected, 1e-10);
    }

    [Fact]
    public void Errors_NameTheCells()
    {
        var gap = Assert.Throws<ArgumentException>(() => ReferenceRates.FromRows([
            new ReferenceRate(Sex.Female, 0, 60, 2019, 2019, 0.001), new ReferenceRate(Sex.Female, 60, 120, 2020, 2020, 0.002)]));
        Assert.Contains("no rate for female, age 60-120, year 2019", gap.Message, StringComparison.Ordinal);
        var overlap = Assert.Throws<ArgumentException>(() => ReferenceRates.FromRows([
            new ReferenceRate(Sex.Male, 0, 60, 2019, 2020, 0.001), new ReferenceRate(Sex.Male, 50, 120, 2020, 2020, 0.002)]));
        Assert.Contains("overlap", overlap.Message, StringComparison.Ordinal);
        var rates = ReferenceRates.FromRows([new ReferenceRate(Sex.Female, 0, 120, 2019, 2020, 0.001)]);
        var man = new CohortRecord("M", null, new DateOnly(2019, 5, 1), new DateOnly(2019, 8, 1), null, null, null, TransgeneStatus.NotTested)
        { BirthDate = new DateOnly(1950, 1, 1), Sex = Sex.Male };
        Assert.Contains("outside every rate cell", Assert.Throws<ArgumentException>(() => StandardizedIncidence.Compute(new Cohort([man]), rates)).Message, StringComparison.Ordinal);
        var late = new CohortRecord("L", null, new DateOnly(2020, 11, 1), new DateOnly(2021, 2, 1), null, null, null, TransgeneStatus.NotTested)
        { BirthDate = new DateOnly(1950, 1, 1), Sex = Sex.Female };
        Assert.Contains("year 2021", Assert.Throws<ArgumentException>(() => StandardizedIncidence.Compute(new Cohort([late]), rates)).Message, StringComparison.Ordinal);
        var noSex = new CohortRecord("N", null, new DateOnly(2019, 5, 1), new DateOnly(2019, 8, 1), null, null, null, TransgeneStatus.NotTested) { BirthDate = new DateOnly(1950, 1, 1) };
        Assert.Contains("no sex", Assert.Throws<ArgumentException>(() => StandardizedIncidence.Compute(new Cohort([noSex]), rates)).Message, StringComparison.Ordinal);
    }
}
