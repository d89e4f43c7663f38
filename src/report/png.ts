/**
 * SVG → PNG without a browser: resvg (a Rust SVG renderer, through its Node package @resvg/resvg-js)
 * with the DejaVu Sans subsets shipped in data/fonts/ and no system fonts, so a figure's PNG looks the
 * same on every machine, a server without fonts included.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NnsimError } from '../errors.js';

const FONT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'fonts');
export const REPORT_FONTS = [join(FONT_DIR, 'DejaVuSans-subset.ttf'), join(FONT_DIR, 'DejaVuSans-Bold-subset.ttf')];

interface ResvgModule {
  Resvg: new (
    svg: string,
    options: object,
  ) => { render(): { asPng(): Buffer; width: number; height: number; pixels: Buffer } };
}

let resvg: ResvgModule | undefined;

function loadResvg(): ResvgModule {
  if (resvg) return resvg;
  try {
    // Loaded on first use: commands that write no figure never load the renderer.
    resvg = createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
    return resvg;
  } catch (error) {
    throw new NnsimError(
      'E_NATIVE_UNAVAILABLE',
      `the PNG renderer @resvg/resvg-js could not be loaded on ${process.platform}-${process.arch} (${(error as Error).message.split('\n')[0]}); the SVG files are complete without it`,
      { cause: error },
    );
  }
}

export interface RasterImage {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major (for tests). */
  readonly pixels: Buffer;
}

/** Renders an SVG document at `scale` × its size (default 2: print resolution for a paper figure). */
export function rasterize(svg: string, scale = 2): RasterImage {
  const { Resvg } = loadResvg();
  const renderer = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { fontFiles: REPORT_FONTS, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  const image = renderer.render();
  return { png: image.asPng(), width: image.width, height: image.height, pixels: image.pixels };
}

export function svgToPng(svg: string, scale = 2): Buffer {
  return rasterize(svg, scale).png;
}
