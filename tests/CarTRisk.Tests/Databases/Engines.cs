using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CarTRisk.Tests.Databases;

/// <summary>A real PostgreSQL server for the engine tests: CARTRISK_PG when set (.ci/run sets it), else a throwaway
/// cluster started here by .ci/postgres-start (installing Debian's postgresql when missing) and stopped at the end. A
/// test that needs it fails when neither works; it never skips.</summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string? folder;

    public PostgresServer()
    {
        ConnectionString = Environment.GetEnvironmentVariable("CARTRISK_PG");
        if (!string.IsNullOrEmpty(ConnectionString))
        {
            return;
        }

        string? script = FindScript();
        if (script is null)
        {
            Error = "CARTRISK_PG is not set and .ci/postgres-start was not found above " + AppContext.BaseDirectory;
            return;
        }

        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0 || lines.Length < 2)
        {
            Error = $".ci/postgres-start failed ({process.ExitCode}): {error}{output}";
            return;
        }

        folder = lines[^2].Trim();
        ConnectionString = lines[^1].Trim();
    }

    public string? ConnectionString { get; private set; }

    public string? Error { get; }

    public NpgsqlConnection Open()
    {
        Assert.True(ConnectionString is not null, "no PostgreSQL server: " + Error);
        var c = new NpgsqlConnection(ConnectionString);
        c.Open();
        return c;
    }

    public void Dispose()
    {
        if (folder is not null && FindScript() is { } start)
        {
            using var stop = Process.Start(new ProcessStartInfo("bash", [Path.Combine(Path.GetDirectoryName(start)!, "postgres-stop"), folder]))!;
            stop.WaitForExit();
        }
    }

    private static string? FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, ".ci", "postgres-start");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

[CollectionDefinition("engines")]
public sealed class EngineFixtures : ICollectionFixture<PostgresServer>
{
}

/// <summary>Opens a connection to one of the three tested engines and loads text rows into a table there.</summary>
internal static class Engines
{
    public static readonly string[] Names = ["duckdb", "sqlite", "postgresql"];

    public static SqlDialect Dialect(string engine) => engine switch
    {
        "duckdb" => SqlDialect.DuckDb,
        "sqlite" => SqlDialect.Sqlite,
        _ => SqlDialect.PostgreSql,
    };

    public static DbConnection Open(string engine, PostgresServer server)
    {
        DbConnection c = engine switch
        {
            "duckdb" => new DuckDBConnection("DataSource=:memory:"),
            "sqlite" => new SqliteConnection("Data Source=:memory:"),
            _ => server.Open(),
        };
        if (c.State != System.Data.ConnectionState.Open)
        {
            c.Open();
        }

        return c;
    }

    public static void Execute(DbConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static string Quote(string? value) => value is null ? "NULL" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Creates <paramref name="table"/> with the columns (quoted names; types TEXT unless given) and inserts the
    /// rows as literals (null = NULL). On PostgreSQL a previous table of that name is dropped first.</summary>
    public static void Load(DbConnection connection, string engine, string table, IReadOnlyList<string> columns,
        IEnumerable<string?[]> rows, Func<string, string?>? typeOf = null)
    {
        string text = engine == "duckdb" ? "VARCHAR" : "TEXT";
        if (engine == "postgresql")
        {
            Execute(connection, $"DROP TABLE IF EXISTS {table}");
        }

        Execute(connection, $"CREATE TABLE {table} ({string.Join(", ", columns.Select(c => $"\"{c}\" {typeOf?.Invoke(c) ?? text}"))})");
        var batch = new StringBuilder();
        int count = 0;
        void Flush()
        {
            if (count > 0)
            {
                Execute(connection, $"INSERT INTO {table} VALUES {batch}");
                batch.Clear();
                count = 0;
            }
        }

        foreach (var row in rows)
        {
            var values = row.Select((v, i) => typeOf?.Invoke(columns[i]) is { } type && type != text && v is not null ? $"CAST({Quote(v)} AS {type})" : Quote(v));
            batch.Append(count == 0 ? "" : ", ").Append('(').Append(string.Join(", ", values)).Append(')');
            if (++count == 200)
            {
                Flush();
            }
        }

        Flush();
    }

    /// <summary>A simple CSV (no quoted commas): header and rows, empty = null.</summary>
    public static (string[] Header, List<string?[]> Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',').Select(v => v.Length == 0 ? null : v).ToArray()).ToList();
        return (header, rows);
    }

    public static string Unique(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture)[..12];
}
