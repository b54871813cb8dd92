using System.Globalization;
using System.Text;
using CsvHelper;

namespace CarTRisk;

/// <summary>One problem found in a cohort CSV file.</summary>
/// <param name="Line">The 1-based line where the record starts, as a text editor shows it (the header is line 1).</param>
/// <param name="Column">The column name, or "" when the problem concerns the whole row.</param>
/// <param name="Value">The offending value as it appears in the file ("" when empty or not applicable).</param>
/// <param name="Message">What is wrong.</param>
public sealed record CohortRowError(int Line, string Column, string Value, string Message)
{
    /// <inheritdoc/>
    public override string ToString() =>
        Column.Length == 0
            ? string.Create(CultureInfo.InvariantCulture, $"line {Line}: {Message}")
            : string.Create(CultureInfo.InvariantCulture, $"line {Line}, column {Column}, value '{Value}': {Message}");
}

/// <summary>A cohort CSV file that breaks the rules of the cohort schema. Lists every bad row, not just the first.</summary>
public sealed class CohortFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">Every problem found, in file order.</param>
    /// <param name="source">The file name or "&lt;reader&gt;".</param>
    /// <param name="innerException">The first CsvHelper exception met, if any.</param>
    public CohortFormatException(IReadOnlyList<CohortRowError> errors, string source, Exception? innerException = null)
        : base(Describe(errors, source), innerException)
    {
        Errors = errors;
    }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<CohortRowError> Errors { get; }

    private static string Describe(IReadOnlyList<CohortRowError> errors, string source)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{source}: {errors.Count} problem(s) in the cohort CSV:");
        foreach (var e in errors.Take(50))
        {
            sb.Append("\n  ").Append(e);
        }

        if (errors.Count > 50)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n  ... and {errors.Count - 50} more (see Errors).");
        }

        return sb.ToString();
    }
}

/// <summary>Options for <see cref="CohortCsv"/>.</summary>
public sealed record CohortCsvOptions
{
    /// <summary>The defaults: unknown columns are an error.</summary>
    public static CohortCsvOptions Default { get; } = new();

    /// <summary>Whether columns outside the cohort schema are ignored instead of reported.</summary>
    public bool AllowUnknownColumns { get; init; }
}

/// <summary>Reads cohort CSV files (see API.md, Cohorts) all-or-nothing.</summary>
/// <example>
/// <code>
/// Cohort cohort = CohortCsv.Read("samples/data/example-cohort.csv");
/// </code>
/// </example>
public static class CohortCsv
{
    internal const string PatientId = "patient_id", Product = "product", InfusionDate = "infusion_date",
        LastFollowUpDate = "last_followup_date", MalignancyDate = "malignancy_date", MalignancyType = "malignancy_type",
        DeathDate = "death_date", Transgene = "transgene";

    private static readonly string[] Required = [PatientId, InfusionDate, LastFollowUpDate];

    private static readonly string[] Known =
        [PatientId, Product, InfusionDate, LastFollowUpDate, MalignancyDate, MalignancyType, DeathDate, Transgene];

    // CsvHelper's defaults accept short rows, extra fields and bad quoting silently: all three throw here.
    private static readonly CsvReaderOptions Strict = CsvReaderOptions.For<CohortRow>() with
    {
        Separator = ',',
        HasHeader = true,
        MissingField = CsvMissingFieldHandling.Throw,
        FieldCountMismatch = CsvFieldCountHandling.Throw,
        MalformedData = CsvMalformedDataHandling.Throw,
        TrackLineNumbers = true,
        TrimWhitespace = false,
        PoolStrings = true,
        FormatProvider = CultureInfo.InvariantCulture,
    };

    /// <summary>Reads a cohort CSV file (UTF-8, comma, header row, ISO dates).</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The cohort.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="CohortFormatException">Any row breaks the schema; every bad row is listed.</exception>
    /// <exception cref="IOException">The file cannot be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    public static Cohort Read(string path) => Read(path, CohortCsvOptions.Default);

    /// <inheritdoc cref="Read(string)"/>
    /// <param name="path">The file path.</param>
    /// <param name="options">Reading options.</param>
    public static Cohort Read(string path, CohortCsvOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Cohort file '{path}' does not exist.", path);
        }

        using var reader = CsvReader.FromFile(path, Strict);
        return Load(reader, Path.GetFileName(path), options);
    }

    /// <summary>Parses cohort CSV text from a reader.</summary>
    /// <param name="reader">The text; read to its end, not disposed.</param>
    /// <returns>The cohort.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    /// <exception cref="CohortFormatException">Any row breaks the schema; every bad row is listed.</exception>
    public static Cohort Parse(TextReader reader) => Parse(reader, CohortCsvOptions.Default);

    /// <inheritdoc cref="Parse(TextReader)"/>
    /// <param name="reader">The text; read to its end, not disposed.</param>
    /// <param name="options">Reading options.</param>
    public static Cohort Parse(TextReader reader, CohortCsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        using var csv = CsvReader.Create(reader, Strict, leaveOpen: true);
        return Load(csv, "<reader>", options);
    }

    private static Cohort Load(CsvReader csv, string source, CohortCsvOptions options)
    {
        var errors = new List<CohortRowError>();
        Exception? firstInner = null;
        var headers = ReadHeader(csv, errors, options, ref firstInner);
        if (headers is null || errors.Count > 0)
        {
            throw new CohortFormatException(errors, source, firstInner);
        }

        var mapper = CsvRecordMapper.Create<CohortRow>(csv);
        var records = new List<CohortRecord>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            CohortRow row;
            int line;
            try
            {
                if (!csv.Read())
                {
                    break;
                }

                line = (int)csv.LineNumber;
                row = csv.GetRecord(mapper);
            }
            catch (CsvFormatException e)
            {
                firstInner ??= e;
                errors.Add(new CohortRowError((int)e.LineNumber, e.Member ?? "", "", e.Message));
                continue;
            }

            var record = Convert(row, line, errors);
            if (record is null)
            {
                continue;
            }

            if (!firstLine.TryAdd(record.PatientId, line))
            {
                errors.Add(new CohortRowError(line, PatientId, record.PatientId,
                    $"patient_id repeats line {firstLine[record.PatientId]}"));
                continue;
            }

            records.Add(record);
        }

        if (errors.Count > 0)
        {
            throw new CohortFormatException(errors, source, firstInner);
        }

        return new Cohort(records);
    }

    private static List<string>? ReadHeader(CsvReader csv, List<CohortRowError> errors, CohortCsvOptions options,
        ref Exception? inner)
    {
        IReadOnlyList<string>? headers;
        try
        {
            headers = csv.Headers;
        }
        catch (CsvFormatException e)
        {
            inner = e;
            errors.Add(new CohortRowError(1, "", "", "the header row is malformed: " + e.Message));
            return null;
        }

        if (headers is null || headers.Count == 0 || (headers.Count == 1 && headers[0].Length == 0))
        {
            errors.Add(new CohortRowError(1, "", "", "the file is empty; a header row with patient_id, infusion_date and last_followup_date is required"));
            return null;
        }

        var list = headers.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var h in list)
        {
            if (!seen.Add(h))
            {
                errors.Add(new CohortRowError(1, h, h, $"column '{h}' appears more than once in the header"));
            }
            else if (!options.AllowUnknownColumns && !Known.Contains(h, StringComparer.Ordinal))
            {
                errors.Add(new CohortRowError(1, h, h,
                    $"unknown column '{h}'; the cohort schema has {string.Join(", ", Known)} (CohortCsvOptions.AllowUnknownColumns ignores others)"));
            }
        }

        foreach (var required in Required)
        {
            if (!seen.Contains(required))
            {
                errors.Add(new CohortRowError(1, required, "", $"the header lacks the required column '{required}'"));
            }
        }

        return list;
    }

    private static CohortRecord? Convert(CohortRow row, int line, List<CohortRowError> errors)
    {
        int before = errors.Count;
        string id = row.PatientId ?? "";
        if (id.Length == 0)
        {
            errors.Add(new CohortRowError(line, PatientId, "", "patient_id is missing or empty"));
        }

        var infusion = RequiredDate(row.InfusionDate, InfusionDate, line, errors);
        var lastFollowUp = RequiredDate(row.LastFollowUpDate, LastFollowUpDate, line, errors);
        var malignancy = OptionalDate(row.MalignancyDate, MalignancyDate, line, errors);
        var death = OptionalDate(row.DeathDate, DeathDate, line, errors);
        var transgene = TransgeneStatus.NotTested;
        switch (row.Transgene ?? "")
        {
            case "":
            case "not_tested":
                break;
            case "positive":
                transgene = TransgeneStatus.Positive;
                break;
            case "negative":
                transgene = TransgeneStatus.Negative;
                break;
            default:
                errors.Add(new CohortRowError(line, Transgene, row.Transgene ?? "",
                    "transgene must be positive, negative, not_tested or empty"));
                break;
        }

        if (errors.Count > before || infusion is null || lastFollowUp is null)
        {
            return null;
        }

        var record = new CohortRecord(id, Empty(row.Product), infusion.Value, lastFollowUp.Value, malignancy,
            Empty(row.MalignancyType), death, transgene);
        foreach (var (column, value, message) in Cohort.Problems(record))
        {
            errors.Add(new CohortRowError(line, column, value, message));
        }

        return errors.Count > before ? null : record;
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static DateOnly? RequiredDate(string? text, string column, int line, List<CohortRowError> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            errors.Add(new CohortRowError(line, column, "", $"{column} is missing or empty"));
            return null;
        }

        return ParseDate(text, column, line, errors);
    }

    private static DateOnly? OptionalDate(string? text, string column, int line, List<CohortRowError> errors) =>
        string.IsNullOrEmpty(text) ? null : ParseDate(text, column, line, errors);

    private static DateOnly? ParseDate(string text, string column, int line, List<CohortRowError> errors)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add(new CohortRowError(line, column, text, $"{column} is not a date of the form yyyy-MM-dd"));
        return null;
    }
}

/// <summary>The raw fields of one cohort CSV row; every field is read as text and checked by <see cref="CohortCsv"/>.</summary>
[CsvRecord]
internal sealed partial record CohortRow(
    [CsvColumn(CohortCsv.PatientId, Optional = true)] string? PatientId,
    [CsvColumn(CohortCsv.Product, Optional = true)] string? Product,
    [CsvColumn(CohortCsv.InfusionDate, Optional = true)] string? InfusionDate,
    [CsvColumn(CohortCsv.LastFollowUpDate, Optional = true)] string? LastFollowUpDate,
    [CsvColumn(CohortCsv.MalignancyDate, Optional = true)] string? MalignancyDate,
    [CsvColumn(CohortCsv.MalignancyType, Optional = true)] string? MalignancyType,
    [CsvColumn(CohortCsv.DeathDate, Optional = true)] string? DeathDate,
    [CsvColumn(CohortCsv.Transgene, Optional = true)] string? Transgene);
