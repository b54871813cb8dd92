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

/// <summary>One CAR T recipient, as one row of the cohort CSV (see API.md, Cohorts).</summary>
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
    /// <summary>How follow-up ended: a malignancy (cause 1) if diagnosed, else death (cause 2), else censored (0).
    /// A malignancy ends the analysis even when the patient was followed (or died) later.</summary>
    public FollowUpOutcome Outcome =>
        MalignancyDate is not null ? FollowUpOutcome.Malignancy
        : DeathDate is not null ? FollowUpOutcome.Death
        : FollowUpOutcome.Censored;

    /// <summary>The analysis end date: the first of malignancy, death and last follow-up (API.md). When a
    /// registry records a death or diagnosis after the last follow-up visit, the earlier visit date is used, as the
    /// contract says; the <see cref="Outcome"/> is still the event.</summary>
    public DateOnly EndDate
    {
        get
        {
            var end = LastFollowUpDate;
            if (DeathDate is { } death && death < end)
            {
                end = death;
            }

            if (MalignancyDate is { } malignancy && malignancy < end)
            {
                end = malignancy;
            }

            return end;
        }
    }

    /// <summary>Days from infusion to <see cref="EndDate"/>: the analysis time.</summary>
    public int DurationDays => EndDate.DayNumber - InfusionDate.DayNumber;
}
