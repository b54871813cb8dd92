using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Databases;

/// <summary>SqlCohort on real engines (embedded DuckDB, SQLite, a PostgreSQL server): the same counts as
/// CohortCsv.Summarize on the same rows, and the same refusals for rows that break a rule.</summary>
[Collection("engines")]
public sealed class SqlCohortTests(PostgresServer server)
{
    public static TheoryData<string> EngineNames() => [.. Engines.Names];

    private static string CohortPath => Golden.PathOf("Cohorts/example-cohort.csv");

    [Theory]
    [MemberData(nameof(EngineNames))]
    public void Summarize_EqualsTheRowReader(string engine)
    {
        var (header, rows) = Engines.ReadCsv(CohortPath);
        using var connection = Engines.Open(engine, server);
        string table = Engines.Unique("cohort");
        Engines.Load(connection, engine, table, header, rows);
        var expected = CohortCsv.Summarize(CohortPath);
        var actual = SqlCohort.Summarize(connection, table, Engines.Dialect(engine));
        Assert.Equal(expected.Counts.ToArray(), actual.Counts.ToArray());
        Assert.Equal(expected.Patients, actual.Patients);
    }

    [Theory]
    [MemberData(nameof(EngineNames))]
    public void Summarize_TypedDateColumns(string engine)
    {
        if (engine == "sqlite")
        {
            return;   // SQLite has no DATE type: dates are yyyy-MM-dd text (covered above)
        }

        var (header, rows) = Engines.ReadCsv(CohortPath);
        using var connection = Engines.Open(engine, server);
        string table = Engines.Unique("typed");
        Engines.Load(connection, engine, table, header, rows, c => c.EndsWith("_date", StringComparison.Ordinal) ? "DATE" : null);
        Assert.Equal(CohortCsv.Summarize(CohortPath).Counts.ToArray(), SqlCohort.Summarize(connection, table, Engines.Dialect(engine)).Counts.ToArray());
    }

    public static TheoryData<string, string, string, string> Broken()
    {
        var data = new TheoryData<string, string, string, string>();
        var cases = new (string Column, string Value, string Rule)[]
        {
            ("product", " axi-cel", "white space"),
            ("product", "axi\u200Bcel", "control or format"),
            ("product", "axi-cel\t", "control or format"),
            ("product", "(missing)", "(missing)"),
            ("death_date", "2019-02-29", "not yyyy-MM-dd"),
            ("death_date", "2019-2-28", "not yyyy-MM-dd"),
            ("death_date", "2010-01-01", "before infusion"),
            ("transgene", "pos", "transgene outside"),
            ("malignancy_type", "T-cell lymphoma", "without a malignancy date"),
            ("last_followup_date", "2160-01-01", "120 years"),
            ("patient_id", "P0002", "repeated"),
        };
        foreach (string engine in Engines.Names)
        {
            foreach (var (column, value, rule) in cases)
            {
                data.Add(engine, column, value, rule);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Broken))]
    public void Summarize_RefusesWhatTheRowReaderRejects(string engine, string column, string value, string rule)
    {
        var (header, rows) = Engines.ReadCsv(CohortPath);
        int col = Array.IndexOf(header, column);
        var broken = rows.Select(r => (string?[])r.Clone()).ToList();
        broken[0][col] = value;   // patient P0001

        // the row reader rejects the same row
        string csv = string.Join("\n", new[] { string.Join(",", header) }.Concat(broken.Select(r => string.Join(",", r.Select(v => v ?? "")))));
        Assert.ThrowsAny<Exception>(() => CohortCsv.Parse(new StringReader(csv)));

        using var connection = Engines.Open(engine, server);
        string table = Engines.Unique("broken");
        Engines.Load(connection, engine, table, header, broken);
        var ex = Assert.Throws<InvalidDataException>(() => SqlCohort.Summarize(connection, table, Engines.Dialect(engine)));
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
        Assert.Contains(column == "patient_id" ? "P0002" : "P0001", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EngineNames))]
    public void Summarize_RefusesWrongColumnNames(string engine)
    {
        var (header, rows) = Engines.ReadCsv(CohortPath);
        using var connection = Engines.Open(engine, server);
        foreach (var (from, to, message) in new[] { ("death_date", "Death_Date", "is not 'death_date'"), ("transgene", "death_dt", "unknown column 'death_dt'") })
        {
            string table = Engines.Unique("names");
            Engines.Load(connection, engine, table, header.Select(h => h == from ? to : h).ToArray(), rows);
            var ex = Assert.Throws<InvalidDataException>(() => SqlCohort.Summarize(connection, table, Engines.Dialect(engine)));
            Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Sql_IsGeneratedForEveryDialect()
    {
        foreach (var dialect in Enum.GetValues<SqlDialect>())
        {
            Assert.Contains("GROUP BY product, days, cause, transgene", SqlCohort.SummarySql(dialect, "cohort"), StringComparison.Ordinal);
            Assert.Contains("a repeated patient_id", SqlCohort.ChecksSql(dialect, "cdm.cohort"), StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentException>(() => SqlCohort.SummarySql(SqlDialect.DuckDb, " "));
    }
}
