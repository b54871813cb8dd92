using System.Data.Common;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Databases;

/// <summary>OmopCohort on the synthetic OMOP CDM of Golden/Round3/Databases (copied from shared/reference/round3/databases)
/// loaded into DuckDB, SQLite and PostgreSQL: the expected cohort records and counts, and the refusal of an infusion in
/// no observation period.</summary>
[Collection("engines")]
public sealed class OmopCohortTests(PostgresServer server)
{
    public static TheoryData<string> EngineNames() => [.. Engines.Names];

    private static readonly string[] Tables = ["person", "observation_period", "death", "condition_occurrence", "cohort"];

    /// <summary>Loads the OMOP tables; integer ids as integers, dates as DATE (text on SQLite). Returns (schema prefix, cohort table).</summary>
    private static (string? Schema, string CohortTable) Load(DbConnection connection, string engine)
    {
        string? schema = null;
        if (engine == "postgresql")
        {
            schema = Engines.Unique("cdm");
            Engines.Execute(connection, $"CREATE SCHEMA {schema}");
        }

        foreach (string t in Tables)
        {
            var (header, rows) = Engines.ReadCsv(Golden.PathOf($"Round3/Databases/omop/{t}.csv"));
            string name = (schema is null ? "" : schema + ".") + t;
            Engines.Load(connection, engine, name, header, rows, c =>
                c.EndsWith("_date", StringComparison.Ordinal) && engine != "sqlite" ? "DATE"
                : c.EndsWith("_id", StringComparison.Ordinal) || c.EndsWith("_of_birth", StringComparison.Ordinal) ? (engine == "sqlite" ? "INTEGER" : "BIGINT")
                : null);
        }

        // the cohort table as written: schema-qualified where there are schemas
        return (schema, (schema is null ? "" : schema + ".") + "cohort");
    }

    private static string Csv(Cohort cohort)
    {
        var lines = new List<string> { "patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene,birth_date,sex" };
        static string D(DateOnly? d) => d?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "";
        foreach (var r in cohort.Records)
        {
            lines.Add(string.Join(",", r.PatientId, r.Product ?? "", D(r.InfusionDate), D(r.LastFollowUpDate), D(r.MalignancyDate), r.MalignancyType ?? "",
                D(r.DeathDate), r.Transgene == TransgeneStatus.NotTested ? "" : r.Transgene.ToString().ToLowerInvariant(), D(r.BirthDate), r.Sex is { } s ? s.ToString().ToLowerInvariant() : ""));
        }

        return string.Join("\n", lines);
    }

    [Theory]
    [MemberData(nameof(EngineNames))]
    public void Read_EqualsTheExpectedCohorts(string engine)
    {
        using var connection = Engines.Open(engine, server);
        var (schema, table) = Load(connection, engine);
        var a = new OmopCohortOptions
        {
            CdmSchema = schema,
            CohortTable = table,
            ExposureCohortId = 1,
            OutcomeCohortId = 10,
            ProductByCohortId = new Dictionary<int, string> { [1] = "axi-cel", [2] = "tisa-cel", [3] = "cilta-cel" },
        };
        var cohortA = OmopCohort.Read(connection, Engines.Dialect(engine), a);
        Assert.Equal(File.ReadAllText(Golden.PathOf("Round3/Databases/expected/A.cohort.csv")).TrimEnd().Replace("\r", "", StringComparison.Ordinal), Csv(cohortA));
        AssertSummary("A", OmopCohort.Summarize(connection, Engines.Dialect(engine), a));

        var b = new OmopCohortOptions { CdmSchema = schema, CohortTable = table, ExposureCohortId = 2, OutcomeCohortId = 10 };
        Assert.Equal(File.ReadAllText(Golden.PathOf("Round3/Databases/expected/B.cohort.csv")).TrimEnd().Replace("\r", "", StringComparison.Ordinal), Csv(OmopCohort.Read(connection, Engines.Dialect(engine), b)));
        AssertSummary("B", OmopCohort.Summarize(connection, Engines.Dialect(engine), b));

        var c = new OmopCohortOptions { CdmSchema = schema, CohortTable = table, ExposureCohortId = 4, OutcomeCohortId = 10 };
        var ex = Assert.Throws<InvalidDataException>(() => OmopCohort.Read(connection, Engines.Dialect(engine), c));
        Assert.Contains(File.ReadAllText(Golden.PathOf("Round3/Databases/expected/C.refused.txt")).Trim(), ex.Message, StringComparison.Ordinal);
    }

    private static void AssertSummary(string name, CohortSummary summary)
    {
        var (_, rows) = Engines.ReadCsv(Golden.PathOf($"Round3/Databases/expected/{name}.summary.csv"));
        var expected = rows.Select(r => new CohortCount(r[0]!, int.Parse(r[1]!, System.Globalization.CultureInfo.InvariantCulture), int.Parse(r[2]!, System.Globalization.CultureInfo.InvariantCulture),
            r[3] switch { "positive" => TransgeneStatus.Positive, "negative" => TransgeneStatus.Negative, _ => TransgeneStatus.NotTested },
            long.Parse(r[4]!, System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        Assert.Equal(expected, summary.Counts.ToArray());
    }
}
