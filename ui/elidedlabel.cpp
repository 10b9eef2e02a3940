// ElidedLabel: elides on every resize and text change; layouts may shrink it to a few characters.
#include "elidedlabel.h"

#include <QResizeEvent>

ElidedLabel::ElidedLabel(QWidget *parent)
    : QLabel(parent)
{
    setTextFormat(Qt::PlainText);
    setWordWrap(false);
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
}

void ElidedLabel::setFullText(const QString &text)
{
    if (text == m_fullText)
        return;
    m_fullText = text;
    updateGeometry();
    updateText();
}

void ElidedLabel::setExplanation(const QString &text)
{
    m_explanation = text;
    updateText();
}

QSize ElidedLabel::sizeHint() const
{
    const QMargins m = contentsMargins();
    return { fontMetrics().horizontalAdvance(m_fullText) + m.left() + m.right() + 2 * margin() + 2,
        QLabel::sizeHint().height() };
}

QSize ElidedLabel::minimumSizeHint() const
{
    return { fontMetrics().horizontalAdvance(QStringLiteral("xxxx…")), QLabel::minimumSizeHint().height() };
}

void ElidedLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    updateText();
}

void ElidedLabel::updateText()
{
    const QString shown = fontMetrics().elidedText(m_fullText, Qt::ElideRight, contentsRect().width() - 2 * margin());
    setText(shown);
    const QString tip = shown != m_fullText
        ? (m_explanation.isEmpty() ? m_fullText : m_fullText + QLatin1Char('\n') + m_explanation)
        : m_explanation;
    setToolTip(tip);
}
