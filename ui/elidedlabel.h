// ElidedLabel: one line of plain text that shrinks with "…" and shows the whole text as a tooltip.
#pragma once

#include <QLabel>

class ElidedLabel : public QLabel {
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget *parent = nullptr);

    void setFullText(const QString &text);
    QString fullText() const { return m_fullText; }
    // Tooltip shown when the text is whole (when it is cut, the tooltip is the whole text).
    void setExplanation(const QString &text);
    bool isElided() const { return text() != m_fullText; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateText();

    QString m_fullText;
    QString m_explanation;
};
