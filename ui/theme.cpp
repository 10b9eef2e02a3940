// Theme: fixed pairs per tone, one set for light palettes and one for dark ones, each pair checked
// for contrast by tst_theme. The light set keeps the monitor's original pastel backgrounds.
#include "theme.h"

#include <QGuiApplication>

#include <cmath>

namespace {
QColor rgb(QRgb value)
{
    return QColor::fromRgb(value);
}

double channel(double c)
{
    return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}
} // namespace

QPalette Theme::palette()
{
    if (!qobject_cast<QGuiApplication *>(QCoreApplication::instance()))
        return QPalette(QColor(0xef, 0xef, 0xef)); // no GUI application: a light one
    return QGuiApplication::palette();
}

bool Theme::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Active, QPalette::Window).lightnessF() < 0.5;
}

Theme::Colours Theme::cell(Tone tone, const QPalette &palette)
{
    if (isDark(palette)) {
        switch (tone) {
        case Tone::Waiting:
        case Tone::Info:
            return { rgb(0x1f3a5f), rgb(0xe3eefc) };
        case Tone::Ok:
            return { rgb(0x1e4620), rgb(0xe6f4ea) };
        case Tone::Recovered:
            return { rgb(0x2d6a3a), rgb(0xf1faf3) };
        case Tone::Warn:
            return { rgb(0x5c4300), rgb(0xfff3d6) };
        case Tone::Fail:
            return { rgb(0x6b1f27), rgb(0xfde7e9) };
        case Tone::Neutral:
            return { rgb(0x454545), rgb(0xe0e0e0) };
        }
    }
    const QColor ink = rgb(0x1a1a1a);
    switch (tone) {
    case Tone::Waiting:
    case Tone::Info:
        return { rgb(0xdce8f8), ink };
    case Tone::Ok:
        return { rgb(0xd4edda), ink };
    case Tone::Recovered:
        return { rgb(0xb9e4c0), ink };
    case Tone::Warn:
        return { rgb(0xffe8b0), ink };
    case Tone::Fail:
        return { rgb(0xf8d7da), ink };
    case Tone::Neutral:
        return { rgb(0xe0e0e0), ink };
    }
    return { rgb(0xe0e0e0), ink };
}

Theme::Colours Theme::badge(Tone tone)
{
    const QColor white(Qt::white);
    switch (tone) {
    case Tone::Ok:
    case Tone::Recovered:
        return { rgb(0x2e7d32), white };
    case Tone::Warn: // amber with white text is 3.5:1; dark text on it is 7.8:1
        return { rgb(0xe89f1a), rgb(0x1a1a1a) };
    case Tone::Fail:
        return { rgb(0xc62828), white };
    case Tone::Waiting:
    case Tone::Info:
        return { rgb(0x1565c0), white };
    case Tone::Neutral:
        return { rgb(0x616161), white };
    }
    return { rgb(0x616161), white };
}

QColor Theme::ink(Tone tone, const QPalette &palette)
{
    const bool dark = isDark(palette);
    switch (tone) {
    case Tone::Ok:
    case Tone::Recovered:
        return dark ? rgb(0x81c784) : rgb(0x1b5e20);
    case Tone::Warn:
        return dark ? rgb(0xffb74d) : rgb(0x8a4f00);
    case Tone::Fail:
        return dark ? rgb(0xef9a9a) : rgb(0xc62828);
    case Tone::Waiting:
    case Tone::Info:
        return dark ? rgb(0x90caf9) : rgb(0x1565c0);
    case Tone::Neutral:
        return palette.color(QPalette::WindowText);
    }
    return palette.color(QPalette::WindowText);
}

QColor Theme::p50Colour(const QPalette &palette)
{
    return isDark(palette) ? rgb(0x64b5f6) : rgb(0x1565c0);
}

QColor Theme::p99Colour(const QPalette &palette)
{
    return isDark(palette) ? rgb(0xf48fb1) : rgb(0xc2185b);
}

double Theme::relativeLuminance(const QColor &colour)
{
    const QColor c = colour.toRgb();
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

double Theme::contrastRatio(const QColor &a, const QColor &b)
{
    const double la = relativeLuminance(a);
    const double lb = relativeLuminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QPalette Theme::darkPalette()
{
    QPalette p;
    const QColor window = rgb(0x2b2b2b);
    const QColor base = rgb(0x1e1e1e);
    const QColor text = rgb(0xe8e8e8);
    const QColor disabled = rgb(0x8a8a8a);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, rgb(0x262626));
    p.setColor(QPalette::ToolTipBase, rgb(0x3a3a3a));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, rgb(0x353535));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, rgb(0xff5252));
    p.setColor(QPalette::Light, rgb(0x4a4a4a));
    p.setColor(QPalette::Midlight, rgb(0x3e3e3e));
    p.setColor(QPalette::Mid, rgb(0x2f2f2f));
    p.setColor(QPalette::Dark, rgb(0x191919));
    p.setColor(QPalette::Shadow, rgb(0x0a0a0a));
    p.setColor(QPalette::Highlight, rgb(0x2a6fb8));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, rgb(0x6fb3ff));
    p.setColor(QPalette::LinkVisited, rgb(0xc58af9));
    for (const QPalette::ColorRole role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}
