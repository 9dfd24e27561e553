namespace Microsoft.ML.TempBalance.SciML.Models;

/// <summary>FNO architecture (PDEBench defaults: 12 modes, width 20, right padding 2, 4 Fourier layers).</summary>
public sealed record FnoOptions
{
    /// <summary>Retained Fourier modes per axis.</summary>
    public int Modes { get; init; } = 12;

    /// <summary>Hidden channels.</summary>
    public int Width { get; init; } = 20;

    /// <summary>Zero padding added at the right (and bottom) before the Fourier layers.</summary>
    public int Padding { get; init; } = 2;

    /// <summary>Input frames stacked as channels (PDEBench's <c>initial_step</c>; 1 for Darcy).</summary>
    public int InitialStep { get; init; } = 10;

    /// <summary>Physical channels (1 for scalar equations, 3 for 1D CFD, 4 for 2D CFD).</summary>
    public int Channels { get; init; } = 1;

    internal void Validate(int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Modes, 1, nameof(Modes));
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 1, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfNegative(Padding, nameof(Padding));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialStep, 1, nameof(InitialStep));
        ArgumentOutOfRangeException.ThrowIfLessThan(Channels, 1, nameof(Channels));
        _ = dimensions;
    }
}
