// ScenarioChart: the lab scenario's chart, one panel per dispatch policy: what was answered 2xx and
// stored, answered 2xx and lost, and answered 5xx, per second of the traffic, with the outage
// shaded. Painted on an image (no window needed), for the summary dialog and the headless run.
#pragma once

#include "scenariorunner.h"

#include <QImage>

namespace ScenarioChart {

QImage render(const ScenarioRunner::Summary &summary, QSize size = { 960, 560 });

} // namespace ScenarioChart
