using System.Reflection;
using DuckDB.NET.Data;

namespace CarTRisk.DuckDb;

/// <summary>Cohort files too large to read row by row, reduced by the embedded DuckDB engine: the rule checks and the
/// GROUP BY of <c>Sql/cohort-checks.sql</c> and <c>Sql/cohort-summary.sql</c> (shipped in the package under
/// <c>sql/</c> and available as <see cref="SummarySql"/> and <see cref="ChecksSql"/> for Spark or a warehouse) run over
/// CSV or Parquet files, and CarTRisk finishes the analysis from the counts
/// (<see cref="SafetySummary.Compute(CohortSummary, double, double)"/>), identical to the row-level path.</summary>
/// <example>
/// <code>
/// var summary = DuckDbCohort.Summarize("registry/*.parquet");
/// Console.WriteLine(SafetySummary.Compute(summary).ToText());
/// </code>
/// </example>
public static class DuckDbCohort
{
    /// <summary>The GROUP BY that reduces a cohort to (product, days, cause, transgene, n); <c>{cohort}</c> stands for
    /// the relation.</summary>
    public static string SummarySql { get; } = Resource("cohort-summary.sql");

    /// <summary>The rule checks (rule, n, example patient_id); <c>{cohort}</c> stands for the relation.</summary>
    public static string ChecksSql { get; } = Resource("cohort-checks.sql");

    /// <summary>Checks and summarises cohort files: <c>.csv</c> (header row, comma, empty and NA as missing, every
    /// column read as text so a malformed date is caught) or <c>.parquet</c>; a glob such as <c>shards/*.parquet</c>
    /// reads many files as one. Uses DuckDB's threads and spills to disk beyond its memory limit.</summary>
    /// <param name="path">A file path or glob.</param>
    /// <param name="memoryLimit">DuckDB's memory limit (e.g. "1GB"), or null for its default (80 % of RAM).</param>
    /// <returns>The summary (the same counts as <see cref="CohortCsv.Summarize(string)"/> on a valid file).</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or its extension is neither .csv nor .parquet.</exception>
    /// <exception cref="InvalidDataException">The checks found rows breaking the schema's rules: each rule with its
    /// count and an example patient (line-level errors come from <see cref="CohortCsv.Summarize(string)"/>).</exception>
    /// <exception cref="DuckDBException">DuckDB could not read the files (missing file, missing column).</exception>
    public static CohortSummary Summarize(string path, string? memoryLimit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string relation = Relation(path);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        if (memoryLimit is not null)
        {
            Execute(connection, $"SET memory_limit = '{memoryLimit.Replace("'", "''", StringComparison.Ordinal)}'");
        }

        // the checks and the GROUP BY of CarTRisk.Sql (one source for every engine): exact column names (Death_Date is
        // not death_date; an unknown column is refused), and every value rule of the row reader, white space and format
        // characters included (" axi-cel" is not a fifth product)
        try
        {
            return SqlCohort.Summarize(connection, relation, SqlDialect.DuckDb);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}{Environment.NewLine}CohortCsv.Summarize lists every row with its line.", e);
        }
        catch (DuckDBException e)
        {
            throw new InvalidDataException($"DuckDB cannot read '{path}' as a cohort file: {e.Message}{Environment.NewLine}CohortCsv.Summarize reports the problem with its line.", e);
        }
    }

    /// <summary>Writes a cohort CSV file as Parquet (zstd), the columnar format warehouses and DuckDB read fastest.</summary>
    /// <param name="csvPath">The cohort CSV.</param>
    /// <param name="parquetPath">The Parquet file to write.</param>
    /// <exception cref="ArgumentException">A path is empty.</exception>
    /// <exception cref="DuckDBException">DuckDB could not read or write.</exception>
    public static void CsvToParquet(string csvPath, string parquetPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(csvPath);
        ArgumentException.ThrowIfNullOrEmpty(parquetPath);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        Execute(connection, $"COPY (SELECT * FROM {Relation(csvPath)}) TO {Quote(parquetPath)} (FORMAT parquet, COMPRESSION zstd)");
    }

    private static string Relation(string path)
    {
        string lower = path.ToLowerInvariant();
        if (lower.EndsWith(".csv", StringComparison.Ordinal) || lower.EndsWith(".csv.gz", StringComparison.Ordinal))
        {
            return $"read_csv({Quote(path)}, header = true, delim = ',', quote = '\"', all_varchar = true, nullstr = ['', 'NA'])";
        }

        if (lower.EndsWith(".parquet", StringComparison.Ordinal))
        {
            return $"read_parquet({Quote(path)})";
        }

        throw new ArgumentException($"'{path}' is neither a .csv nor a .parquet file (or glob).", nameof(path));
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("CarTRisk.DuckDb." + name)
            ?? throw new InvalidOperationException($"the SQL resource {name} is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
