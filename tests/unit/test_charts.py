"""The scorecard's server-drawn bar chart: labels fit their column, nothing unescaped."""

from complaints.web.inspection.charts import bar_chart


def test_long_labels_are_cut_but_kept_whole_in_their_tooltip():
    long = "Sở Lao động - Thương binh và Xã hội thành phố Hải Phòng <b>"
    svg = str(bar_chart([(long, 73.5), ("Sở Y tế", None)], "Điểm"))
    assert "<title>Sở Lao động - Thương binh và Xã hội thành phố Hải Phòng &lt;b&gt;</title>" in svg
    shown = svg.split(f"<title>{long[:10]}")[1].split("</title>", 1)[1].split("</text>")[0]
    assert shown.endswith("…") and len(shown) < len(long)
    assert ">Sở Y tế</text>" in svg and ">—</text>" in svg
    assert "<b>" not in svg
