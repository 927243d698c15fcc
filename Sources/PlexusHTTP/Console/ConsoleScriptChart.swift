/// `chart.js`: a rate chart on a `<canvas>`: a rolling window of samples drawn as a filled line with
/// a scale that follows the largest value, sized for the device's pixel ratio so it stays sharp.
enum ConsoleScriptChart {
    /// `chart.js`.
    static let source = #"""
        'use strict';
        P.RateChart = class {
          constructor(canvas, { label, unit, color, points }) {
            this.canvas = canvas;
            this.label = label;
            this.unit = unit || '/s';
            this.color = color || '#2f6fdf';
            this.points = points || 60;
            this.values = [];
          }
          push(value) {
            this.values.push(Math.max(0, value));
            if (this.values.length > this.points) this.values.shift();
            this.canvas.dataset.samples = String(this.values.length);
            this.canvas.dataset.last = String(value.toFixed(2));
            this.draw();
          }
          draw() {
            const c = this.canvas;
            const ratio = window.devicePixelRatio || 1;
            const w = c.clientWidth || 400, hgt = c.clientHeight || 160;
            if (c.width !== Math.round(w * ratio)) { c.width = Math.round(w * ratio); c.height = Math.round(hgt * ratio); }
            const g = c.getContext('2d');
            g.setTransform(ratio, 0, 0, ratio, 0, 0);
            g.clearRect(0, 0, w, hgt);
            const top = 22, bottom = hgt - 18, left = 44, right = w - 8;
            const max = Math.max(1, ...this.values) * 1.15;
            g.font = '11px system-ui, sans-serif';
            g.strokeStyle = '#e3e6eb';
            g.fillStyle = '#5f6b7a';
            g.lineWidth = 1;
            for (let i = 0; i <= 4; i++) {
              const y = bottom - ((bottom - top) * i) / 4;
              g.beginPath(); g.moveTo(left, y); g.lineTo(right, y); g.stroke();
              const v = (max * i) / 4;
              g.fillText(v >= 100 ? v.toFixed(0) : v.toFixed(1), 4, y + 4);
            }
            const last = this.values.length ? this.values[this.values.length - 1] : 0;
            g.fillStyle = '#1d2330';
            g.font = '600 12px system-ui, sans-serif';
            g.fillText(`${this.label}: ${last.toFixed(1)} ${this.unit}`, left, 14);
            if (this.values.length < 2) return;
            const step = (right - left) / (this.points - 1);
            const x0 = right - step * (this.values.length - 1);
            const y = (v) => bottom - ((bottom - top) * v) / max;
            g.beginPath();
            this.values.forEach((v, i) => (i ? g.lineTo(x0 + i * step, y(v)) : g.moveTo(x0, y(v))));
            g.strokeStyle = this.color;
            g.lineWidth = 2;
            g.stroke();
            g.lineTo(x0 + (this.values.length - 1) * step, bottom);
            g.lineTo(x0, bottom);
            g.closePath();
            g.globalAlpha = 0.12;
            g.fillStyle = this.color;
            g.fill();
            g.globalAlpha = 1;
          }
        };
        """#
}
