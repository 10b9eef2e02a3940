// GuidedTour: the ring, the bubble and the step logic.
#include "guidedtour.h"

#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace {

// An orange that reads on light and dark palettes alike, and is not one of the status colours
// (green 2xx, red 5xx, amber 4xx) the rows use.
const QColor RingColour(232, 119, 46);
constexpr int RingWidth = 3;
constexpr int RingMargin = 4; // around the target, so the ring does not cover its frame

class Ring : public QWidget {
public:
    explicit Ring(QWidget *parent)
        : QWidget(parent)
    {
        setObjectName(QStringLiteral("tourRing"));
        setAttribute(Qt::WA_TransparentForMouseEvents); // the control under it stays clickable
        setAttribute(Qt::WA_NoSystemBackground);
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(RingColour, RingWidth));
        painter.drawRoundedRect(QRectF(rect()).adjusted(RingWidth / 2.0, RingWidth / 2.0, -RingWidth / 2.0,
                                    -RingWidth / 2.0),
            6, 6);
    }
};

} // namespace

GuidedTour::GuidedTour(QWidget *window)
    : QObject(window)
    , m_window(window)
{
    m_ring = new Ring(window);
    m_ring->hide();

    auto *bubble = new QFrame(window);
    bubble->setObjectName(QStringLiteral("tourBubble"));
    bubble->setFrameShape(QFrame::Box);
    bubble->setLineWidth(2);
    bubble->setAutoFillBackground(true);
    QPalette palette = bubble->palette();
    palette.setColor(QPalette::WindowText, RingColour); // the frame's colour: the bubble belongs to the ring
    bubble->setPalette(palette);
    auto *layout = new QVBoxLayout(bubble);
    m_title = new QLabel(bubble);
    m_title->setObjectName(QStringLiteral("tourTitle"));
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_text = new QLabel(bubble);
    m_text->setObjectName(QStringLiteral("tourText"));
    m_text->setWordWrap(true);
    m_text->setFixedWidth(m_text->fontMetrics().averageCharWidth() * 56);
    // The labels keep the normal text colour (the frame's orange is for the border only).
    for (QLabel *label : { m_title, m_text }) {
        QPalette textPalette = label->palette();
        textPalette.setColor(QPalette::WindowText, window->palette().color(QPalette::WindowText));
        label->setPalette(textPalette);
    }
    auto *buttons = new QHBoxLayout;
    m_next = new QPushButton(tr("Next ›"), bubble);
    m_next->setObjectName(QStringLiteral("tourNext"));
    m_next->setToolTip(tr("Go on without pressing the highlighted control"));
    auto *end = new QPushButton(tr("End tour"), bubble);
    end->setObjectName(QStringLiteral("tourEnd"));
    buttons->addStretch(1);
    buttons->addWidget(m_next);
    buttons->addWidget(end);
    layout->addWidget(m_title);
    layout->addWidget(m_text);
    layout->addLayout(buttons);
    bubble->hide();
    m_bubble = bubble;

    connect(m_next, &QPushButton::clicked, this, [this] { stepDone(m_current); });
    connect(end, &QPushButton::clicked, this, &GuidedTour::stop);
    window->installEventFilter(this);
}

GuidedTour::~GuidedTour() = default;

int GuidedTour::addStep(QWidget *target, const QString &text)
{
    m_steps.push_back({ target, text });
    if (target)
        target->installEventFilter(this); // moves, resizes, shows and hides re-place the ring
    return static_cast<int>(m_steps.size()) - 1;
}

void GuidedTour::start()
{
    if (m_steps.empty())
        return;
    show(0);
}

void GuidedTour::stop()
{
    if (m_current < 0)
        return;
    m_current = -1;
    m_ring->hide();
    m_bubble->hide();
    Q_EMIT finished(false);
}

QWidget *GuidedTour::currentTarget() const
{
    return m_current >= 0 ? m_steps[static_cast<size_t>(m_current)].target.data() : nullptr;
}

QString GuidedTour::currentText() const
{
    return m_current >= 0 ? m_steps[static_cast<size_t>(m_current)].text : QString();
}

QWidget *GuidedTour::bubble() const
{
    return m_bubble;
}

QWidget *GuidedTour::ring() const
{
    return m_ring;
}

void GuidedTour::stepDone(int step)
{
    if (m_current < 0 || step != m_current)
        return;
    if (step + 1 >= stepCount()) {
        m_current = -1;
        m_ring->hide();
        m_bubble->hide();
        Q_EMIT finished(true);
        return;
    }
    show(step + 1);
}

void GuidedTour::show(int step)
{
    m_current = step;
    m_title->setText(tr("Guided tour · step %1 of %2").arg(step + 1).arg(stepCount()));
    m_text->setText(m_steps[static_cast<size_t>(step)].text);
    m_next->setText(step + 1 == stepCount() ? tr("Finish") : tr("Next ›"));
    m_bubble->adjustSize();
    place();
    m_ring->show();
    m_bubble->show();
    m_ring->raise();
    m_bubble->raise();
}

void GuidedTour::place()
{
    QWidget *target = currentTarget();
    if (!target)
        return;
    const QRect area = m_window->rect();
    QRect ring;
    if (target->isVisible()) {
        ring = QRect(target->mapTo(m_window, QPoint(0, 0)), target->size())
                   .adjusted(-RingMargin, -RingMargin, RingMargin, RingMargin)
                   .intersected(area);
        m_ring->setGeometry(ring);
        m_ring->setVisible(true);
    } else { // e.g. a panel hidden for now: the bubble alone, at the top
        m_ring->hide();
        ring = QRect(area.center().x(), area.top(), 0, 0);
    }
    const QSize size = m_bubble->sizeHint();
    constexpr int Gap = 6;
    int y = ring.bottom() + Gap;
    if (y + size.height() > area.bottom())
        y = ring.top() - Gap - size.height(); // no room below: above the control
    const int x = std::clamp(ring.left(), area.left() + Gap, std::max(area.left(), area.right() - size.width() - Gap));
    m_bubble->setGeometry(QRect(QPoint(x, std::max(area.top(), y)), size));
}

bool GuidedTour::eventFilter(QObject *watched, QEvent *event)
{
    if (m_current >= 0
        && (watched == m_window || watched == currentTarget())) {
        switch (event->type()) {
        case QEvent::Resize:
        case QEvent::Move:
        case QEvent::Show:
        case QEvent::Hide:
        case QEvent::LayoutRequest:
            place();
            break;
        default:
            break;
        }
    }
    return QObject::eventFilter(watched, event);
}
