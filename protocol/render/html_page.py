"""The HTML page's furniture: its style sheet (screen and print), its one small script,
and the WCAG colour contrast the badges and labels are held to.

The script only builds the patient index from the patient sections' ``data-*``
attributes and filters it; the page works without it and loads nothing.
"""

from __future__ import annotations

__all__ = ["CSS", "INDEX_SCRIPT", "contrast", "ink_on"]


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb`` or ``#rgb``."""
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    channels = [int(hexa[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21 (AA for text: at least 4.5)."""
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink_on(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    return "#000" if contrast(background, "#000") >= contrast(background, "#fff") else "#fff"


CSS = """
:root{--ink:#1f2a33;--muted:#5f6f7a;--line:#d9e0e5;--bg:#f5f7f9;--red:#c62828;
--green:#2e7d32;--amber:#8d5300;--purple:#6a1b9a;--grey:#546e7a;--card:#fff}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg)}
header.top{background:#263238;color:#fff;padding:18px 32px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top p{margin:4px 0 0;color:#cfd8dc}
main{padding:8px 32px 32px;max-width:1240px}
h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 16px;
min-width:150px}
.card b{display:block;font-size:24px}
.card span{color:var(--muted);font-size:12px}
.card.bad b{color:var(--red)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px;
align-items:start}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
table{border-collapse:collapse;background:var(--card);font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:5px 9px;text-align:left;vertical-align:top}
th{background:#eceff1;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.hot{color:var(--red);font-weight:700}
tr.nm td{background:#fdecea}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.muted{color:var(--muted)}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;
font-weight:600;color:#fff;background:var(--grey);white-space:nowrap}
.s-not_met,.e-ineligible{background:var(--red)}
.s-met,.e-eligible{background:var(--green)}
.s-pending,.e-pending{background:var(--amber)}
.s-not_evaluable,.e-undetermined{background:var(--purple)}
.s-not_applicable{background:#cfd8dc;color:#1f2a33}
.l-deviation,.l-excluded,.l-not{background:var(--red)}
.l-flag{background:#ad1457}
.l-query{background:#0d47a1}
.l-logged{background:var(--grey)}
.m-new{background:#4527a0}
.m-unchanged{background:#eceff1;color:#1f2a33}
ul.resolved{margin:4px 0 10px;font-size:13px;color:var(--muted)}
p.run{margin:8px 0 0;font-size:12px}
.tag{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0 6px;
font-size:12px;background:#fff;color:var(--ink)}
.consort{display:grid;grid-template-columns:minmax(260px,340px) 40px minmax(200px,280px);
align-items:center;row-gap:0}
.box{border:1.5px solid #546e7a;border-radius:6px;background:#fff;padding:6px 10px;
font-size:13px}
.box.final{border-color:var(--green);background:#e8f5e9;font-weight:600}
.box.side{border-style:dashed;border-color:var(--red);background:#fff8f7}
.down{height:20px;border-left:2px solid #546e7a;margin-left:50%}
.right{border-top:2px dashed var(--red);height:0}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted)}
i.swatch{display:inline-block;width:10px;height:10px}
.legend i{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px}
details.patient,section.patient{background:#fff;border:1px solid var(--line);
border-radius:8px;margin:8px 0}
details.patient>summary,section.patient>div.head{padding:8px 12px;cursor:pointer;
display:flex;flex-wrap:wrap;gap:8px;align-items:center}
details.patient[open]>summary{border-bottom:1px solid var(--line)}
.pid{font-weight:700;font-size:15px}
.body{padding:10px 14px}
.scroll{overflow-x:auto}
svg.timeline,svg.km{max-width:100%;height:auto;background:#fff}
svg text.lane{font-weight:600;fill:#37474f;font-size:12px}
svg text.axis,svg text.note,svg text.as-of{fill:#546e7a;font-size:10.5px}
svg text.flagged{font-weight:700;fill:#b71c1c}
svg text.progression{fill:#b71c1c;font-weight:600}
svg text.dose{fill:#004d40;font-size:10.5px}
svg text.window-label{font-weight:600;font-size:10.5px}
svg.timeline text{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg text.badge{fill:#fff;font-weight:700;font-size:10px;stroke:none}
ol.devs{margin:6px 0 10px;padding-left:0;list-style:none}
ol.devs li{margin:3px 0}
.num{display:inline-block;min-width:18px;height:18px;border-radius:9px;background:var(--red);
color:#fff;font-size:11px;font-weight:700;text-align:center;line-height:18px;margin-right:6px}
ul.nm{margin:0;padding:0 14px 8px 32px;font-size:13px}
footer{padding:16px 32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line)}
.defs dt{font-weight:700;margin-top:6px}.defs dd{margin:0 0 0 16px}
#index input{font:inherit;padding:3px 6px;margin:0 8px 6px 0}
#index table{width:100%}#index td a{font-weight:600;color:#0d47a1}
details.patient,section.patient{content-visibility:auto;contain-intrinsic-size:auto 48px}
@media print{
body{background:#fff}header.top{background:#fff;color:#000;padding:0 0 8px}
header.top p{color:#333}main{padding:0;max-width:none}
#index,.legend-screen{display:none}
details.patient,section.patient{break-before:page;page-break-before:always;border:0;margin:0;
content-visibility:visible}
details.patient>summary{list-style:none}.scroll{overflow:visible}
svg.timeline{width:100%}tr,li{break-inside:avoid}
}
"""

# Builds the index table from the patient sections and filters it (and them) as one types.
INDEX_SCRIPT = """
(function(){
var box=document.getElementById('index');if(!box)return;
var items=document.querySelectorAll('[data-pid]'),rows=[],i,d;
function esc(t){return String(t).replace(/[&<>"']/g,function(c){return '&#'+c.charCodeAt(0)+';';});}
for(i=0;i<items.length;i++){d=items[i].dataset;
rows.push('<tr data-i="'+i+'"><td><a href="#'+esc(items[i].id)+'">'+esc(d.pid)+'</a></td><td>'+
esc(d.site)+'</td><td>'+esc(d.arm)+'</td><td>'+esc(d.eligibility)+'</td><td>'+esc(d.group)+
'</td><td class="n">'+esc(d.notMet)+'</td></tr>');}
box.querySelector('tbody').innerHTML=rows.join('');
box.querySelector('p.muted').textContent=items.length+' patients; type to filter.';
var input=box.querySelector('input[type=search]'),only=box.querySelector('input[type=checkbox]');
var trs=box.querySelectorAll('tbody tr');
function apply(){var q=input.value.toLowerCase(),n;
for(n=0;n<trs.length;n++){var it=items[n],d=it.dataset;
var hit=(!q||trs[n].textContent.toLowerCase().indexOf(q)>=0)&&(!only.checked||d.notMet!=='0');
trs[n].style.display=hit?'':'none';it.style.display=hit?'':'none';}}
input.addEventListener('input',apply);only.addEventListener('change',apply);
window.addEventListener('beforeprint',function(){
var ds=document.querySelectorAll('details');for(var k=0;k<ds.length;k++)ds[k].open=true;});
})();
"""
