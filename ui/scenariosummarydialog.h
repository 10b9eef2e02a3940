// ScenarioSummaryDialog: what a lab scenario showed, for an audience: one sentence of what it
// proves, the losses per policy in large figures (red when a 2xx was lost), the scenario's chart
// inline (the picture "Save chart as PNG…" writes), and the full table without wrapped names.
#pragma once

#include "scenariorunner.h"

#include <QDialog>

class ScenarioSummaryDialog : public QDialog {
    Q_OBJECT
public:
    explicit ScenarioSummaryDialog(const ScenarioRunner::Summary &summary, QWidget *parent = nullptr);

    // The sentence on top: which policies kept every 2xx and which lost some, and what follows.
    static QString lesson(const ScenarioRunner::Summary &summary);
    // The inline chart's size: 960 px wide (the PNG's width), as high as the screen leaves room for
    // (the dialog, title bar included, fits the screen's available height), 200 to 480 px.
    QSize chartSize() const { return m_chartSize; }
    static constexpr int TitleBarAllowance = 40; // a window manager's title bar and frame

private:
    void saveMarkdown();
    void saveChart();

    ScenarioRunner::Summary m_summary;
    QSize m_chartSize;
};
