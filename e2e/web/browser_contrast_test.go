package web_test

import (
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// contrastScript measures, in the page as the browser drew it, the contrast
// of every visible text and form control against its effective background:
// the element's own background composited over its ancestors' down to the
// white canvas, with the opacity of the element and its ancestors applied to
// the text colour. Colours are read through a canvas, so any CSS colour
// syntax the design tokens use (rgb, hsl, oklch, color-mix …) is converted
// by the browser itself.
//
// It reports every text below WCAG 2.1 SC 1.4.3: 4.5:1, or 3:1 for large
// text (24 px, or 18.66 px bold). Text over a background image (a gradient
// or picture) cannot be measured this way and is reported too, so such a
// design is looked at instead of passed silently. Disabled controls are
// exempt (SC 1.4.3 excludes inactive components).
//
// axe-core's own colour-contrast rule answers "incomplete" instead of
// "violation" for exactly the case that hid the blue-on-blue button: a ratio
// of 1:1 ("equalRatio", axe presumes text of the background's colour is
// hidden on purpose). See docs/web.md.
const contrastScript = `(() => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const cx = canvas.getContext('2d', {willReadFrequently: true});
  const colours = new Map();
  const rgba = css => colours.get(css) || colours.set(css, toRGBA(css)).get(css);
  const toRGBA = css => {
    cx.clearRect(0, 0, 1, 1);
    cx.fillStyle = 'rgba(0,0,0,0)';
    cx.fillStyle = css;
    cx.fillRect(0, 0, 1, 1);
    const d = cx.getImageData(0, 0, 1, 1).data;
    return {r: d[0], g: d[1], b: d[2], a: d[3] / 255};
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    if (a === 0) return {r: 0, g: 0, b: 0, a: 0};
    const mix = k => (top[k] * top.a + bottom[k] * bottom.a * (1 - top.a)) / a;
    return {r: mix('r'), g: mix('g'), b: mix('b'), a: a};
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const hex = c => '#' + [c.r, c.g, c.b].map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  const name = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    if (el.classList.length) s += '.' + Array.from(el.classList).slice(0, 3).join('.');
    const p = el.parentElement;
    return (p && p !== document.body ? name(p) + ' > ' : '') + s;
  };
  // background returns the effective background of el and whether an
  // image lies under the text: el's own background over its parent's, down
  // to the first opaque one or the white canvas (memoised per element).
  const memo = new Map();
  const layered = n => {
    if (!n) return {c: {r: 255, g: 255, b: 255, a: 1}, image: false}; // the canvas
    if (memo.has(n)) return memo.get(n);
    const cs = getComputedStyle(n);
    const bg = rgba(cs.backgroundColor);
    const image = !!cs.backgroundImage && cs.backgroundImage !== 'none';
    let out;
    if (bg.a >= 1) {
      out = {c: bg, image};
    } else {
      const under = layered(n.parentElement);
      out = {c: over(bg, under.c), image: image || under.image};
    }
    memo.set(n, out);
    return out;
  };
  const opacities = new Map();
  const opacityOf = n => {
    if (!n) return 1;
    if (!opacities.has(n)) opacities.set(n, parseFloat(getComputedStyle(n).opacity) * opacityOf(n.parentElement));
    return opacities.get(n);
  };
  const background = el => {
    let {c, image} = layered(el);
    if (el instanceof SVGTextElement && el.ownerSVGElement) {
      // Text in a chart: the shapes drawn before it under its middle.
      const t = el.getBBox(), x = t.x + t.width / 2, y = t.y + t.height / 2;
      for (const s of el.ownerSVGElement.querySelectorAll('rect, circle')) {
        if (!(s.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        const b = s.getBBox();
        if (x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height) c = over(rgba(getComputedStyle(s).fill), c);
      }
    }
    return {c, image};
  };
  const controls = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button';
  const out = [];
  let measured = 0;
  for (const el of document.body.querySelectorAll('*')) {
    if (/^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|OPTION|OPTGROUP|svg)$/i.test(el.tagName) && !(el instanceof SVGTextElement)) continue;
    const isControl = el.matches(controls);
    const hasText = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!isControl && !hasText) continue;
    if (el.disabled) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue; // visually hidden for screen readers only
    if (r.right <= 0 || r.bottom <= 0 || r.left >= Math.max(document.documentElement.scrollWidth, innerWidth)) continue; // off screen (the skip link until focused)
    const cs = getComputedStyle(el);
    let fg = rgba(el instanceof SVGElement ? cs.fill : cs.color);
    fg = {r: fg.r, g: fg.g, b: fg.b, a: fg.a * opacityOf(el)};
    const {c: bg, image} = background(el);
    const shown = over(fg, bg);
    const l1 = lum(shown), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(cs.fontSize), weight = parseInt(cs.fontWeight, 10) || 400;
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    const need = large ? 3 : 4.5;
    measured++;
    const text = (isControl && !hasText ? (el.value || el.getAttribute('aria-label') || el.textContent || '') : el.textContent).trim().replace(/\s+/g, ' ').slice(0, 60);
    if (image) {
      out.push(name(el) + ' "' + text + '": text over a background image, contrast not measurable');
    } else if (ratio < need - 0.005) {
      out.push(name(el) + ' "' + text + '": ' + hex(shown) + ' on ' + hex(bg) + ' is ' + ratio.toFixed(2) + ':1, needs ' + need + ':1');
    }
  }
  return {measured, failures: out};
})()`

type contrastResult struct {
	Measured int      `json:"measured"`
	Failures []string `json:"failures"`
}

// contrast fails on every text or control on the page whose contrast with
// its background is below WCAG 2.1 AA, and on a page where nothing could be
// measured (the check would then prove nothing).
func (b *tab) contrast(label string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[contrastResult](contrastScript))
	if err != nil {
		b.t.Fatalf("%s: measuring contrast: %v", label, err)
	}
	if res.Measured == 0 {
		b.t.Errorf("%s (%s): no text measured for contrast", label, b.path())
	}
	for _, f := range res.Failures {
		b.t.Errorf("%s (%s): contrast too low: %s", label, b.path(), f)
	}
}

// contrastIncomplete is the part of axe's answer the tests no longer ignore:
// colour-contrast results axe could not decide.
func contrastIncomplete(label, path string, items []axeResult) []string {
	var out []string
	for _, v := range items {
		if v.ID != "color-contrast" && v.ID != "color-contrast-enhanced" {
			continue
		}
		out = append(out, fmt.Sprintf("%s (%s): axe could not decide the colour contrast (%s): %s", label, path, v.Help, strings.Join(v.Nodes, "; ")))
	}
	return out
}
