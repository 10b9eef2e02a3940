// Theme: the monitor's few colours, chosen for the palette in use, light or dark. The desktop's
// palette arrives through the platform theme as QGuiApplication::palette() (Qt 6.4 has no
// QStyleHints::colorScheme); a palette is dark when its window colour is. Every tone is a pair,
// background and text, with a WCAG contrast ratio of at least 4.5 in both palettes (tst_theme).
#pragma once

#include <QColor>
#include <QPalette>

namespace Theme {

enum class Tone {
    Waiting, // a request not answered yet
    Ok, // 2xx
    Recovered, // 500 whose event was replayed from the failed queue
    Warn, // 4xx, a simulated outage
    Fail, // 5xx, pending in the failed queue
    Info, // reconnecting as expected
    Neutral, // discarded
};
inline constexpr Tone AllTones[]
    = { Tone::Waiting, Tone::Ok, Tone::Recovered, Tone::Warn, Tone::Fail, Tone::Info, Tone::Neutral };

struct Colours {
    QColor background;
    QColor text;
};

// The application's palette (the desktop's, or the one a test set).
QPalette palette();
// Dark when the window colour is: its lightness below the middle.
bool isDark(const QPalette &palette = Theme::palette());

// A table cell's background and text (models return both, so the text never depends on the view).
Colours cell(Tone tone, const QPalette &palette = Theme::palette());
// A badge: a saturated background of its own with its text; the same in both palettes.
Colours badge(Tone tone);
// Coloured text or lines drawn on the window background (figures, chart lines).
QColor ink(Tone tone, const QPalette &palette = Theme::palette());

// Chart colours: the two latency lines, on the chart's background.
QColor p50Colour(const QPalette &palette = Theme::palette());
QColor p99Colour(const QPalette &palette = Theme::palette());

// WCAG 2 relative luminance and contrast ratio (1 to 21).
double relativeLuminance(const QColor &colour);
double contrastRatio(const QColor &a, const QColor &b);

// A dark palette like a dark desktop's (Fusion's roles), for tests and demos.
QPalette darkPalette();

} // namespace Theme
