using System.Data.Common;
using System.Globalization;
using System.Text;

namespace CarTRisk;

/// <summary>Where a CAR T cohort sits in an OMOP CDM database.</summary>
public sealed record OmopCohortOptions
{
    /// <summary>The schema of the CDM tables person, observation_period and death (e.g. "cdm"); null or empty = none
    /// (SQLite, or tables on the search path).</summary>
    public string? CdmSchema { get; init; }

    /// <summary>The OHDSI cohort table (cohort_definition_id, subject_id, cohort_start_date = infusion,
    /// cohort_end_date), used as written: it may be schema-qualified and is never prefixed with <see cref="CdmSchema"/>.</summary>
    public string CohortTable { get; init; } = "cohort";

    /// <summary>The cohort of CAR T infusions.</summary>
    public int ExposureCohortId { get; init; }

    /// <summary>The cohort of secondary malignancies (its first start date after infusion is the malignancy).</summary>
    public int OutcomeCohortId { get; init; }

    /// <summary>Several exposure cohorts, one per product: cohort id → product name. Their cohorts are exposure cohorts
    /// too; an infusion from <see cref="ExposureCohortId"/> not listed here has no product.</summary>
    public IReadOnlyDictionary<int, string>? ProductByCohortId { get; init; }
}

/// <summary>A CAR T cohort from an OMOP CDM v5.4 database and an OHDSI cohort table, over any ADO.NET connection.</summary>
/// <remarks>
/// Rules: one record per person; patient_id = person_id. The exposure cohorts are <see cref="OmopCohortOptions.ExposureCohortId"/>
/// and the keys of <see cref="OmopCohortOptions.ProductByCohortId"/>; the earliest exposure cohort_start_date is the infusion
/// and gives the product (on one date in two product cohorts, the smaller cohort id); later entries are ignored. Follow-up
/// ends at the end of the observation period that holds the infusion (start ≤ infusion ≤ end, both inclusive; of
/// overlapping periods, the one that starts first), or at the earliest death_date when that is on or before the period end
/// (a later death is ignored: censored at the period end). An infusion in no observation period is refused (an exception
/// naming the number of such persons and an example subject_id), never dropped. The malignancy is the earliest
/// outcome-cohort start with infusion &lt; start ≤ end of follow-up (cohort_end_date unused; condition_occurrence never
/// read). Birth date from year, month and day of birth when all three are present and form a real day; sex 8507 male,
/// 8532 female, any other concept missing. Transgene: not tested. The records then pass the cohort reader's rules (a
/// death before infusion, say, is an error naming the person).
/// </remarks>
public static class OmopCohort
{
    /// <summary>Reads the cohort (records in person_id order).</summary>
    /// <param name="connection">An open or closed connection.</param>
    /// <param name="dialect">The engine (the queries are plain SQL valid in every dialect).</param>
    /// <param name="options">Where the tables and cohorts are.</param>
    /// <returns>The cohort.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="ArgumentException">An empty cohort table name.</exception>
    /// <exception cref="InvalidDataException">Infusions in no observation period (count and example subject_id), or a
    /// value that cannot be read as a date or id.</exception>
    /// <exception cref="CohortFormatException">The assembled records break a cohort rule.</exception>
    public static Cohort Read(DbConnection connection, SqlDialect dialect, OmopCohortOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.CohortTable);
        _ = dialect;
        if (connection.State != System.Data.ConnectionState.Open)
        {
            connection.Open();
        }

        var exposureIds = new SortedSet<int> { options.ExposureCohortId };
        foreach (int id in options.ProductByCohortId?.Keys ?? Enumerable.Empty<int>())
        {
            exposureIds.Add(id);
        }

        string ids = string.Join(", ", exposureIds.Select(i => i.ToString(CultureInfo.InvariantCulture)));
        string cdm = string.IsNullOrWhiteSpace(options.CdmSchema) ? "" : options.CdmSchema + ".";
        string table = options.CohortTable;
        string members = $"(SELECT subject_id FROM {table} WHERE cohort_definition_id IN ({ids}))";

        // the infusion: earliest exposure start (ties: the smaller cohort id)
        var infusion = new Dictionary<long, (DateOnly Date, int Cohort)>();
        Query(connection, $"SELECT subject_id, cohort_definition_id, cohort_start_date FROM {table} WHERE cohort_definition_id IN ({ids})", r =>
        {
            long person = Id(r, 0);
            int cohort = checked((int)Id(r, 1));
            var date = Date(r, 2) ?? throw new InvalidDataException($"{table}: subject_id {person} has no cohort_start_date in cohort {cohort}.");
            if (!infusion.TryGetValue(person, out var seen) || date < seen.Date || (date == seen.Date && cohort < seen.Cohort))
            {
                infusion[person] = (date, cohort);
            }
        });

        var periods = new Dictionary<long, List<(DateOnly Start, DateOnly End)>>();
        Query(connection, $"SELECT person_id, observation_period_start_date, observation_period_end_date FROM {cdm}observation_period WHERE person_id IN {members}", r =>
        {
            long person = Id(r, 0);
            if (Date(r, 1) is { } start && Date(r, 2) is { } end)
            {
                (periods.TryGetValue(person, out var list) ? list : periods[person] = []).Add((start, end));
            }
        });

        var death = new Dictionary<long, DateOnly>();
        Query(connection, $"SELECT person_id, death_date FROM {cdm}death WHERE person_id IN {members}", r =>
        {
            long person = Id(r, 0);
            if (Date(r, 1) is { } d && (!death.TryGetValue(person, out var seen) || d < seen))
            {
                death[person] = d;
            }
        });

        var outcomes = new Dictionary<long, List<DateOnly>>();
        Query(connection, $"SELECT subject_id, cohort_start_date FROM {table} WHERE cohort_definition_id = {options.OutcomeCohortId.ToString(CultureInfo.InvariantCulture)} AND subject_id IN {members}", r =>
        {
            long person = Id(r, 0);
            if (Date(r, 1) is { } d)
            {
                (outcomes.TryGetValue(person, out var list) ? list : outcomes[person] = []).Add(d);
            }
        });

        var people = new Dictionary<long, (string? Birth, string? Sex)>();
        Query(connection, $"SELECT person_id, gender_concept_id, year_of_birth, month_of_birth, day_of_birth FROM {cdm}person WHERE person_id IN {members}", r =>
        {
            long person = Id(r, 0);
            string? sex = r.IsDBNull(1) ? null : Id(r, 1) switch { 8507 => "male", 8532 => "female", _ => null };
            string? birth = null;
            if (!r.IsDBNull(2) && !r.IsDBNull(3) && !r.IsDBNull(4))
            {
                long y = Id(r, 2), m = Id(r, 3), d = Id(r, 4);
                if (y is >= 1 and <= 9999 && m is >= 1 and <= 12 && d >= 1 && d <= DateTime.DaysInMonth((int)y, (int)m))
                {
                    birth = new DateOnly((int)y, (int)m, (int)d).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                }
            }

            people[person] = (birth, sex);
        });

        var refused = new List<long>();
        var csv = new StringBuilder("patient_id,product,infusion_date,last_followup_date,malignancy_date,malignancy_type,death_date,transgene,birth_date,sex\n");
        foreach (var (person, (date, cohort)) in infusion.OrderBy(p => p.Key))
        {
            var holding = (periods.TryGetValue(person, out var list) ? list : [])
                .Where(p => p.Start <= date && date <= p.End).OrderBy(p => p.Start).ThenBy(p => p.End).ToList();
            if (holding.Count == 0)
            {
                refused.Add(person);
                continue;
            }

            var end = holding[0].End;
            DateOnly? died = death.TryGetValue(person, out var dd) && dd <= end ? dd : null;
            var last = died is { } dv && dv < end ? dv : end;
            DateOnly? malignancy = outcomes.TryGetValue(person, out var starts)
                ? starts.Where(s => date < s && s <= last).Select(s => (DateOnly?)s).Min()
                : null;
            string? product = options.ProductByCohortId is { } map && map.TryGetValue(cohort, out var name) ? name : null;
            var (birth, sex) = people.TryGetValue(person, out var p) ? p : (null, null);
            csv.Append(person.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Field(product)).Append(',')
                .Append(Day(date)).Append(',')
                .Append(Day(last)).Append(',')
                .Append(malignancy is { } mv ? Day(mv) : "").Append(",,")
                .Append(died is { } dv2 ? Day(dv2) : "").Append(",,")
                .Append(birth ?? "").Append(',')
                .Append(sex ?? "").Append('\n');
        }

        if (refused.Count > 0)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{refused.Count} person(s) have an infusion (a start in exposure cohort(s) {ids}) in no observation period, e.g. subject_id {refused[0]}: follow-up cannot be defined; fix the cohort or the observation periods (CarTRisk never drops them)."));
        }

        return CohortCsv.Parse(new StringReader(csv.ToString()));
    }

    /// <summary>The sufficient statistics of the safety report for the OMOP cohort (= <c>CohortSummary.From(Read(...))</c>).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="dialect">The engine.</param>
    /// <param name="options">Where the tables and cohorts are.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>.</exception>
    public static CohortSummary Summarize(DbConnection connection, SqlDialect dialect, OmopCohortOptions options) =>
        CohortSummary.From(Read(connection, dialect, options));

    private static string Day(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Field(string? value)
    {
        if (value is null)
        {
            return "";
        }

        return value.Contains(',', StringComparison.Ordinal) || value.Contains('"', StringComparison.Ordinal)
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }

    private static void Query(DbConnection connection, string sql, Action<DbDataReader> row)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }

    private static long Id(DbDataReader r, int i)
    {
        object v = r.GetValue(i);
        return v switch
        {
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long x) => x,
            string s => throw new InvalidDataException($"column {r.GetName(i)}: '{s}' is not an integer id."),
            _ => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        };
    }

    private static DateOnly? Date(DbDataReader r, int i)
    {
        if (r.IsDBNull(i))
        {
            return null;
        }

        object v = r.GetValue(i);
        return v switch
        {
            DateOnly d => d,
            DateTime t => DateOnly.FromDateTime(t),
            DateTimeOffset o => DateOnly.FromDateTime(o.Date),
            string s when DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) => d,
            string s => throw new InvalidDataException($"column {r.GetName(i)}: '{s}' is not a yyyy-MM-dd date."),
            _ => DateOnly.FromDateTime(r.GetDateTime(i)),
        };
    }
}
