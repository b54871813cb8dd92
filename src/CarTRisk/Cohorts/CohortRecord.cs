namespace CarTRisk;

/// <summary>The result of the CAR transgene test of a secondary malignancy.</summary>
public enum TransgeneStatus
{
    /// <summary>Not tested (CSV <c>not_tested</c> or empty).</summary>
    NotTested,

    /// <summary>CAR transgene found in the tumour (CSV <c>positive</c>).</summary>
    Positive,

    /// <summary>Tested, transgene not found (CSV <c>negative</c>).</summary>
    Negative,
}

/// <summary>Sex as recorded in the cohort CSV (<c>female</c>, <c>male</c>; empty = unknown).</summary>
public enum Sex
{
    /// <summary>CSV <c>female</c>.</summary>
    Female,

    /// <summary>CSV <c>male</c>.</summary>
    Male,
}

/// <summary>A change the reader made to a row because the caller opted into it
/// (<see cref="CohortCsvOptions.ExtendFollowUpToEvents"/>).</summary>
/// <param name="Line">The CSV line (1-based, as an editor shows it); 0 for records not read from a file.</param>
/// <param name="PatientId">The patient.</param>
/// <param name="Column">The column changed.</param>
/// <param name="From">The value in the file.</param>
/// <param name="To">The value used.</param>
/// <param name="Reason">Why.</param>
public sealed record CohortAdjustment(int Line, string PatientId, string Column, string From, string To, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line {Line}, patient {PatientId}: {Column} {From} -> {To} ({Reason})");
}

/// <summary>The end of follow-up for the second-malignancy analyses.</summary>
public enum FollowUpOutcome
{
    /// <summary>Alive and malignancy-free at last follow-up (cause 0).</summary>
    Censored = 0,

    /// <summary>A secondary malignancy was diagnosed (cause 1).</summary>
    Malignancy = 1,

    /// <summary>Death without a prior secondary malignancy (cause 2, the competing event).</summary>
    Death = 2,
}

/// <summary>One CAR T recipient, as one row of the cohort CSV (docs/cohort-schema.md in the repository).</summary>
/// <param name="PatientId">Unique, non-empty identifier.</param>
/// <param name="Product">The CAR T product (axi-cel, tisa-cel, ...), or <see langword="null"/>.</param>
/// <param name="InfusionDate">Day 0.</param>
/// <param name="LastFollowUpDate">The last day the patient was known alive and observed.</param>
/// <param name="MalignancyDate">Diagnosis of the first secondary malignancy, if any.</param>
/// <param name="MalignancyType">Free text (T-cell lymphoma, MDS/AML, solid, skin...), or <see langword="null"/>.</param>
/// <param name="DeathDate">Date of death, if any.</param>
/// <param name="Transgene">The CAR transgene test of the malignancy.</param>
public sealed record CohortRecord(
    string PatientId,
    string? Product,
    DateOnly InfusionDate,
    DateOnly LastFollowUpDate,
    DateOnly? MalignancyDate,
    string? MalignancyType,
    DateOnly? DeathDate,
    TransgeneStatus Transgene)
{
    private static readonly IReadOnlyDictionary<string, string> NoCovariates =
        new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>());

    /// <summary>Date of birth, if known (CSV <c>birth_date</c>).</summary>
    public DateOnly? BirthDate { get; init; }

    /// <summary>Sex, if known (CSV <c>sex</c>).</summary>
    public Sex? Sex { get; init; }

    /// <summary>The user covariates declared in <see cref="CohortCsvOptions.Covariates"/>, by column name, as text;
    /// a missing value has no entry.</summary>
    public IReadOnlyDictionary<string, string> Covariates { get; init; } = NoCovariates;

    /// <summary>How follow-up ended: a malignancy (cause 1) if diagnosed, else death (cause 2), else censored (0).
    /// A malignancy ends the analysis even when the patient was followed (or died) later.</summary>
    public FollowUpOutcome Outcome =>
        MalignancyDate is not null ? FollowUpOutcome.Malignancy
        : DeathDate is not null ? FollowUpOutcome.Death
        : FollowUpOutcome.Censored;

    /// <summary>The analysis end date (docs/cohort-schema.md, revised rules): the malignancy date if there is one
    /// (cause 1); else the death date if there is one (cause 2; a death after the last follow-up date is valid: follow-up
    /// ends at death); else the last follow-up date (cause 0). A malignancy after the last follow-up is invalid unless
    /// the reader was told to extend follow-up, which it then lists in <see cref="Cohort.Adjustments"/>.</summary>
    public DateOnly EndDate => MalignancyDate ?? DeathDate ?? LastFollowUpDate;

    /// <summary>Days from infusion to <see cref="EndDate"/>: the analysis time.</summary>
    public int DurationDays => EndDate.DayNumber - InfusionDate.DayNumber;
}
