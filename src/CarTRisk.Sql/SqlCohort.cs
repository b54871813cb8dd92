using System.Data.Common;
using System.Globalization;
using System.Text;

namespace CarTRisk;

/// <summary>The SQL engines <see cref="SqlCohort"/> writes for. DuckDB, PostgreSQL and SQLite are tested here against
/// real engines; SQL Server, Spark SQL and BigQuery are written from their documentation and not run here.</summary>
public enum SqlDialect
{
    /// <summary>DuckDB (tested: embedded).</summary>
    DuckDb,

    /// <summary>PostgreSQL (tested: a real server).</summary>
    PostgreSql,

    /// <summary>SQLite (tested: Microsoft.Data.Sqlite); dates are yyyy-MM-dd text.</summary>
    Sqlite,

    /// <summary>SQL Server / T-SQL (written from the documentation, not run here).</summary>
    SqlServer,

    /// <summary>Spark SQL (written from the documentation, not run here).</summary>
    Spark,

    /// <summary>Google BigQuery standard SQL (written from the documentation, not run here).</summary>
    BigQuery,
}

/// <summary>A cohort in a database table or view reduced to the sufficient statistics of the safety report (counts by
/// product, days, cause and transgene) by the database itself, with the cohort reader's rules checked in SQL first.
/// The SQL is generated per dialect from one source and avoids every engine's date functions: a date is checked as
/// yyyy-MM-dd text and a real calendar day, and days are differences of day numbers computed with integer arithmetic
/// (the civil-from-days algorithm), so DuckDB, PostgreSQL and SQLite count exactly alike.</summary>
public static class SqlCohort
{
    internal static readonly string[] CoreColumns =
        ["patient_id", "product", "infusion_date", "last_followup_date", "malignancy_date", "malignancy_type", "death_date", "transgene"];

    internal static readonly string[] KnownColumns = [.. CoreColumns, "birth_date", "sex"];

    private static readonly string[] Required = ["patient_id", "infusion_date", "last_followup_date"];

    /// <summary>The GROUP BY of the safety report for <paramref name="relation"/> (used as written: a table, a view,
    /// a schema-qualified name, a subquery in parentheses with an alias, or a DuckDB read_csv call): one row per
    /// (product, days, cause, transgene) with the number of patients n, days a whole number. End of follow-up: the
    /// malignancy date, else the death date, else the last follow-up date; cause 1 malignancy, 2 death, 0 censored;
    /// a transgene result counts only with a malignancy; a missing product is "(missing)"; NULL and '' are missing.
    /// The relation must have the eight columns of the cohort CSV (patient_id, product, infusion_date,
    /// last_followup_date, malignancy_date, malignancy_type, death_date, transgene); dates as DATE or yyyy-MM-dd text.
    /// Run <see cref="ChecksSql(SqlDialect, string)"/> first: the summary of a relation that breaks a rule is not meaningful.</summary>
    /// <param name="dialect">The engine.</param>
    /// <param name="relation">The relation, used as written.</param>
    /// <returns>The SQL.</returns>
    /// <exception cref="ArgumentException"><paramref name="relation"/> is empty.</exception>
    public static string SummarySql(SqlDialect dialect, string relation) => SummarySql(dialect, relation, CoreColumns);

    /// <summary>The checks of the cohort rules that decide the counts (docs/cohort-schema.md), one row per broken rule:
    /// (rule, n, example) with an example patient_id; no row for a valid relation. Rules: patient_id missing or
    /// repeated; infusion or last follow-up date missing; a date that is not yyyy-MM-dd or not a real day; last
    /// follow-up, malignancy or death before infusion; a malignancy after death or after the last follow-up; a transgene
    /// result or malignancy type without a malignancy; a transgene outside positive, negative, not_tested; a date more
    /// than 120 years after infusion; the product "(missing)"; a value with leading or trailing white space or a
    /// control or format character (U+200B, ...), as the row reader rejects. Columns as in <see cref="SummarySql(SqlDialect, string)"/>.</summary>
    /// <param name="dialect">The engine.</param>
    /// <param name="relation">The relation, used as written.</param>
    /// <returns>The SQL.</returns>
    /// <exception cref="ArgumentException"><paramref name="relation"/> is empty.</exception>
    public static string ChecksSql(SqlDialect dialect, string relation) => ChecksSql(dialect, relation, CoreColumns);

    /// <summary>Checks and summarizes a cohort relation over any ADO.NET connection (opened here when closed): first its
    /// column names (exactly those of the cohort CSV, case-sensitive; the three required ones present; an unknown
    /// column refused, as the row reader does), then <see cref="ChecksSql(SqlDialect, string)"/> (with the sex and
    /// birth-date rules when those columns exist), then <see cref="SummarySql(SqlDialect, string)"/>. Equal to
    /// <c>CohortCsv.Summarize</c> on the same rows, count for count.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="relation">The relation, used as written.</param>
    /// <param name="dialect">The engine's dialect.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="relation"/> is empty.</exception>
    /// <exception cref="InvalidDataException">A column name is wrong or missing, or rows break a rule: each rule with its
    /// number of rows and an example patient_id.</exception>
    public static CohortSummary Summarize(DbConnection connection, string relation, SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(relation);
        if (connection.State != System.Data.ConnectionState.Open)
        {
            connection.Open();
        }

        var columns = ColumnsOf(connection, relation);
        var problems = new List<string>();
        foreach (string name in columns)
        {
            if (!KnownColumns.Contains(name, StringComparer.Ordinal))
            {
                var near = KnownColumns.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
                problems.Add(near is null
                    ? $"unknown column '{name}' (the cohort columns are {string.Join(", ", KnownColumns)}; a misspelled death_date would turn deaths into censorings)"
                    : $"column '{name}' is not '{near}' (names match exactly, as in the CSV reader)");
            }
        }

        foreach (string name in Required)
        {
            if (!columns.Contains(name, StringComparer.Ordinal))
            {
                problems.Add($"the required column '{name}' is missing");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"relation {relation} does not have the cohort columns (docs/cohort-schema.md):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }

        var present = KnownColumns.Where(columns.Contains).ToArray();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = ChecksSql(dialect, relation, present);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                long n = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                string example = reader.IsDBNull(2) ? "(none: the id is missing)" : Convert.ToString(reader.GetValue(2), CultureInfo.InvariantCulture) ?? "";
                problems.Add($"{reader.GetString(0)}: {n.ToString(CultureInfo.InvariantCulture)} rows (e.g. patient_id '{example}')");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"relation {relation} breaks the cohort rules (docs/cohort-schema.md):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }

        var rows = new List<CohortCount>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = SummarySql(dialect, relation, present);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var transgene = Convert.ToString(reader.GetValue(3), CultureInfo.InvariantCulture) switch
                {
                    "positive" => TransgeneStatus.Positive,
                    "negative" => TransgeneStatus.Negative,
                    _ => TransgeneStatus.NotTested,
                };
                rows.Add(new CohortCount(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!,
                    checked((int)Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)),
                    Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture), transgene,
                    Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture)));
            }
        }

        return CohortSummary.FromCounts(rows);
    }

    /// <summary>The relation's column names, from an empty result.</summary>
    internal static List<string> ColumnsOf(DbConnection connection, string relation)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {relation} WHERE 1 = 0";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        for (int i = 0; i < reader.FieldCount; i++)
        {
            names.Add(reader.GetName(i));
        }

        return names;
    }

    internal static string SummarySql(SqlDialect dialect, string relation, IReadOnlyCollection<string> present)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relation);
        var d = SqlDialects.Of(dialect);
        var sb = new StringBuilder();
        sb.AppendLine("-- CarTRisk cohort summary (" + dialect + "): one row per (product, days, cause, transgene) with the number of patients.");
        sb.Append("WITH ").Append(Typed(d, relation, present));
        sb.AppendLine(",");
        sb.AppendLine("s AS (");
        sb.AppendLine("    SELECT COALESCE(product, '(missing)') AS product,");
        sb.AppendLine("        (CASE WHEN mal_dn IS NOT NULL THEN mal_dn WHEN death_dn IS NOT NULL THEN death_dn ELSE last_dn END) - inf_dn AS days,");
        sb.AppendLine("        CASE WHEN mal_t IS NOT NULL THEN 1 WHEN death_t IS NOT NULL THEN 2 ELSE 0 END AS cause,");
        sb.AppendLine("        CASE WHEN mal_t IS NOT NULL AND transgene IN ('positive', 'negative') THEN transgene ELSE 'not_tested' END AS transgene");
        sb.AppendLine("    FROM d");
        sb.AppendLine(")");
        sb.AppendLine("SELECT product, days, cause, transgene, COUNT(*) AS n FROM s GROUP BY product, days, cause, transgene ORDER BY product, days, cause, transgene");
        return sb.ToString();
    }

    internal static string ChecksSql(SqlDialect dialect, string relation, IReadOnlyCollection<string> present)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relation);
        var d = SqlDialects.Of(dialect);
        var sb = new StringBuilder();
        sb.AppendLine("-- CarTRisk cohort checks (" + dialect + "): one row per broken rule (rule, n, example patient_id); none for a valid relation.");
        sb.Append("WITH ").Append(Typed(d, relation, present));
        sb.AppendLine(",");
        sb.AppendLine("broken AS (");
        var rules = new List<(string Rule, string Where)>
        {
            ("patient_id is missing or empty", "id IS NULL"),
            ("infusion_date or last_followup_date is missing", "inf_t IS NULL OR last_t IS NULL"),
            ("a date is not yyyy-MM-dd (a real day)", "(inf_t IS NOT NULL AND inf_dn IS NULL) OR (last_t IS NOT NULL AND last_dn IS NULL) OR (mal_t IS NOT NULL AND mal_dn IS NULL) OR (death_t IS NOT NULL AND death_dn IS NULL)"
                + (present.Contains("birth_date") ? " OR (birth_t IS NOT NULL AND birth_dn IS NULL)" : "")),
            ("last follow-up, malignancy or death before infusion", "last_dn < inf_dn OR mal_dn < inf_dn OR death_dn < inf_dn"),
            ("a malignancy after death", "mal_dn > death_dn"),
            ("a malignancy after the last follow-up date", "mal_dn > last_dn"),
            ("transgene or malignancy_type on a row without a malignancy date", "mal_t IS NULL AND (transgene IN ('positive', 'negative') OR mal_type IS NOT NULL)"),
            ("transgene outside positive, negative, not_tested", "transgene IS NOT NULL AND transgene NOT IN ('positive', 'negative', 'not_tested')"),
            ("a date more than 120 years after infusion", "inf_dn IS NOT NULL AND (last_key > inf_limit OR mal_key > inf_limit OR death_key > inf_limit)"),
            ("product '(missing)' is the label of records without a product", "product = '(missing)'"),
        };
        var texts = new List<string> { "id", "product", "mal_type", "transgene", "inf_t", "last_t", "mal_t", "death_t" };
        if (present.Contains("sex"))
        {
            rules.Add(("sex outside female, male", "sex IS NOT NULL AND sex NOT IN ('female', 'male')"));
            texts.Add("sex");
        }

        if (present.Contains("birth_date"))
        {
            rules.Add(("a birth date after infusion", "birth_dn > inf_dn"));
            texts.Add("birth_t");
        }

        rules.Add(("a value with leading or trailing white space", string.Join(" OR ", texts.Select(t => $"({t} IS NOT NULL AND {d.EdgeSpace(t)})"))));
        rules.Add(("a control or format character in a value (U+0000-U+001F, U+200B, ...)", string.Join(" OR ", texts.Select(t => $"({t} IS NOT NULL AND {d.BadChars(t)})"))));
        for (int i = 0; i < rules.Count; i++)
        {
            sb.Append(i == 0 ? "    " : "    UNION ALL ").Append("SELECT '").Append(rules[i].Rule.Replace("'", "''", StringComparison.Ordinal))
                .Append("' AS rule, id FROM d WHERE ").AppendLine(rules[i].Where);
        }

        sb.AppendLine("    UNION ALL SELECT 'a repeated patient_id' AS rule, id FROM (SELECT id, COUNT(*) AS k FROM d WHERE id IS NOT NULL GROUP BY id) r WHERE k > 1");
        sb.AppendLine(")");
        sb.AppendLine("SELECT rule, COUNT(*) AS n, MIN(id) AS example FROM broken GROUP BY rule ORDER BY rule");
        return sb.ToString();
    }

    /// <summary>The CTEs c (text columns, '' as NULL), p (date parts where the text has the form), d (day numbers of
    /// real days, the 120-year limit).</summary>
    private static string Typed(SqlDialects.Dialect d, string relation, IReadOnlyCollection<string> present)
    {
        string Col(string name) => present.Contains(name) ? $"NULLIF(CAST({name} AS {d.Text}), '')" : $"CAST(NULL AS {d.Text})";
        var sb = new StringBuilder();
        sb.AppendLine("c AS (");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    SELECT {Col("patient_id")} AS id, {Col("product")} AS product, {Col("malignancy_type")} AS mal_type, {Col("transgene")} AS transgene,");
        sb.AppendLine(CultureInfo.InvariantCulture, $"        {Col("sex")} AS sex,");
        sb.AppendLine(CultureInfo.InvariantCulture, $"        {Col("infusion_date")} AS inf_t, {Col("last_followup_date")} AS last_t, {Col("malignancy_date")} AS mal_t, {Col("death_date")} AS death_t, {Col("birth_date")} AS birth_t");
        sb.AppendLine(CultureInfo.InvariantCulture, $"    FROM {relation}");
        sb.AppendLine("),");
        string[] dates = ["inf", "last", "mal", "death", "birth"];
        sb.AppendLine("p AS (");
        sb.Append("    SELECT c.*");
        foreach (string x in dates)
        {
            string t = x + "_t";
            string m = d.Match(t);
            sb.Append(CultureInfo.InvariantCulture, $",{Environment.NewLine}        CASE WHEN {m} THEN CAST({d.Substr(t, 1, 4)} AS {d.Int}) END AS {x}_y,");
            sb.Append(CultureInfo.InvariantCulture, $" CASE WHEN {m} THEN CAST({d.Substr(t, 6, 2)} AS {d.Int}) END AS {x}_m,");
            sb.Append(CultureInfo.InvariantCulture, $" CASE WHEN {m} THEN CAST({d.Substr(t, 9, 2)} AS {d.Int}) END AS {x}_d");
        }

        sb.AppendLine();
        sb.AppendLine("    FROM c");
        sb.AppendLine("),");
        sb.AppendLine("d AS (");
        sb.Append("    SELECT p.*");
        foreach (string x in dates)
        {
            string y = x + "_y", m = x + "_m", dd = x + "_d";
            string valid = $"{y} >= 1 AND {m} BETWEEN 1 AND 12 AND {dd} BETWEEN 1 AND {DaysInMonth(d, y, m)}";
            sb.Append(CultureInfo.InvariantCulture, $",{Environment.NewLine}        CASE WHEN {valid} THEN {DayNumber(d, y, m, dd)} END AS {x}_dn");
            sb.Append(CultureInfo.InvariantCulture, $",{Environment.NewLine}        CASE WHEN {valid} THEN {y} * 10000 + {m} * 100 + {dd} END AS {x}_key");
        }

        // infusion + 120 years (29 February -> 28 February in a common year, as DateOnly.AddYears)
        sb.Append(CultureInfo.InvariantCulture, $",{Environment.NewLine}        (inf_y + 120) * 10000 + inf_m * 100 + CASE WHEN inf_m = 2 AND inf_d = 29 AND NOT ({Leap(d, "(inf_y + 120)")}) THEN 28 ELSE inf_d END AS inf_limit");
        sb.AppendLine();
        sb.AppendLine("    FROM p");
        sb.Append(')');
        return sb.ToString();
    }

    private static string Leap(SqlDialects.Dialect d, string y) =>
        $"(({d.Mod(y, "4")} = 0 AND {d.Mod(y, "100")} <> 0) OR {d.Mod(y, "400")} = 0)";

    private static string DaysInMonth(SqlDialects.Dialect d, string y, string m) =>
        $"(CASE WHEN {m} IN (1, 3, 5, 7, 8, 10, 12) THEN 31 WHEN {m} IN (4, 6, 9, 11) THEN 30 WHEN {Leap(d, y)} THEN 29 ELSE 28 END)";

    /// <summary>Days since 0000-03-01 of a valid (y ≥ 1, m, d): the civil-from-days algorithm with integer division.</summary>
    private static string DayNumber(SqlDialects.Dialect d, string y, string m, string dd)
    {
        string ya = $"({y} - CASE WHEN {m} <= 2 THEN 1 ELSE 0 END)";
        string era = d.IDiv(ya, "400");
        string yoe = $"({ya} - {era} * 400)";
        string mp = $"(CASE WHEN {m} > 2 THEN {m} - 3 ELSE {m} + 9 END)";
        string doy = $"({d.IDiv($"153 * {mp} + 2", "5")} + {dd} - 1)";
        string doe = $"({yoe} * 365 + {d.IDiv(yoe, "4")} - {d.IDiv(yoe, "100")} + {doy})";
        return $"({era} * 146097 + {doe})";
    }
}

/// <summary>The pieces of SQL that differ between engines.</summary>
internal static class SqlDialects
{
    // C0 and C1 controls and the format characters (Cf) the row reader rejects
    private const string FormatClassUnicode = @"\u00AD\u0600-\u0605\u061C\u06DD\u070F\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB";
    private const string SpaceClassUnicode = @"\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
    private const string SpaceClassRe2 = @"\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}";

    internal sealed record Dialect(
        string Text,
        string Int,
        Func<string, string> Match,
        Func<string, int, int, string> Substr,
        Func<string, string, string> IDiv,
        Func<string, string, string> Mod,
        Func<string, string> EdgeSpace,
        Func<string, string> BadChars);

    private static string Std(string x, int a, int b) => $"SUBSTR({x}, {a}, {b})";

    private static string Percent(string a, string b) => $"(({a}) % ({b}))";

    private static string Slash(string a, string b) => $"(({a}) / ({b}))";

    /// <summary>The literal characters of a GLOB/LIKE class: C0 controls (but NUL), DEL and C1, format and space characters.</summary>
    private static string LiteralClass(bool controls, bool spaces)
    {
        var sb = new StringBuilder();
        if (controls)
        {
            sb.Append('\u0001').Append('-').Append('\u001F').Append('\u007F').Append('-').Append('\u009F');
            sb.Append(System.Text.RegularExpressions.Regex.Unescape(FormatClassUnicode));
        }

        if (spaces)
        {
            sb.Append(' ').Append(System.Text.RegularExpressions.Regex.Unescape(SpaceClassUnicode));
        }

        return sb.ToString();
    }

    public static Dialect Of(SqlDialect dialect) => dialect switch
    {
        SqlDialect.DuckDb => new Dialect("VARCHAR", "BIGINT",
            x => $"regexp_full_match({x}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')", Std,
            (a, b) => $"(({a}) // ({b}))", Percent,
            x => $"regexp_matches({x}, '^[\\s{SpaceClassRe2}]|[\\s{SpaceClassRe2}]$')",
            x => $"regexp_matches({x}, '[\\p{{Cc}}\\p{{Cf}}]')"),
        SqlDialect.PostgreSql => new Dialect("TEXT", "BIGINT",
            x => $"{x} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'", Std, Slash, Percent,
            x => $"{x} ~ '^[[:space:]{SpaceClassUnicode}]|[[:space:]{SpaceClassUnicode}]$'",
            x => $"{x} ~ '[[:cntrl:]{FormatClassUnicode}]'"),
        SqlDialect.Sqlite => new Dialect("TEXT", "INTEGER",
            x => $"{x} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'", Std, Slash, Percent,
            x => $"({x} GLOB '[{LiteralClass(false, true)}\t\n\r]*' OR {x} GLOB '*[{LiteralClass(false, true)}\t\n\r]')",
            x => $"{x} GLOB '*[{LiteralClass(true, false)}]*'"),
        SqlDialect.SqlServer => new Dialect("NVARCHAR(4000)", "BIGINT",
            x => $"({x} LIKE '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND DATALENGTH({x}) = 20)",
            (x, a, b) => $"SUBSTRING({x}, {a}, {b})", Slash, Percent,
            x => $"({x} COLLATE Latin1_General_BIN2 LIKE N'[{LiteralClass(false, true)}]%' OR ({x} + N'|') COLLATE Latin1_General_BIN2 LIKE N'%[{LiteralClass(false, true)}]|')",
            x => $"{x} COLLATE Latin1_General_BIN2 LIKE N'%[{LiteralClass(true, false)}]%'"),
        SqlDialect.Spark => new Dialect("STRING", "BIGINT",
            x => $"{x} RLIKE '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'", Std, (a, b) => $"(({a}) div ({b}))", Percent,
            x => $"{x} RLIKE '^[\\\\s{SpaceClassRe2}]|[\\\\s{SpaceClassRe2}]$'",
            x => $"{x} RLIKE '[\\\\p{{Cc}}\\\\p{{Cf}}]'"),
        SqlDialect.BigQuery => new Dialect("STRING", "INT64",
            x => $"REGEXP_CONTAINS({x}, r'^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')", Std, (a, b) => $"DIV({a}, {b})", (a, b) => $"MOD({a}, {b})",
            x => $"REGEXP_CONTAINS({x}, r'^[\\s{SpaceClassRe2}]|[\\s{SpaceClassRe2}]$')",
            x => $"REGEXP_CONTAINS({x}, r'[\\p{{Cc}}\\p{{Cf}}]')"),
        _ => throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "unknown SQL dialect."),
    };
}
