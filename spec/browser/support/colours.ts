import { MESH_TIMEOUT_MS } from './pools';

/** The colours a {@link paintedTrack} is painted in, as a receiver tells them apart. */
export type Colour = 'red' | 'green' | 'blue';

const RGB: Record<Colour, string> = { red: '#f00', green: '#0f0', blue: '#00f' };
/** How often a painted track's canvas is painted again: a canvas that does not change sends no frame in Chromium. */
const PAINT_MS = 50;
/** How often a receiver's colour is sampled. */
const SAMPLE_MS = 50;

/** A live video track of one colour, painted anew every {@link PAINT_MS}; `stop` ends the painting and the track. */
export interface PaintedTrack {
  readonly track: MediaStreamTrack;
  readonly colour: Colour;
  stop(): void;
}

/** A canvas track painted `colour` all over but for one corner pixel that flips each time, so every paint is a new frame. */
export function paintedTrack(colour: Colour): PaintedTrack {
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext('2d')!;
  let flip = false;
  const paint = (): void => {
    context.fillStyle = RGB[colour];
    context.fillRect(0, 0, 64, 48);
    context.fillStyle = (flip = !flip) ? '#000' : '#fff';
    context.fillRect(0, 0, 1, 1);
  };
  paint();
  const track = canvas.captureStream(20).getVideoTracks()[0]!;
  const timer = setInterval(paint, PAINT_MS);
  return {
    track,
    colour,
    stop() {
      clearInterval(timer);
      track.stop();
    },
  };
}

/** The colour a pixel is closest to, or 'other' (black, grey, a frame not decoded yet). */
function nameOf([r, g, b]: Uint8ClampedArray): Colour | 'other' {
  if (r > 150 && g < 100 && b < 100) return 'red';
  if (g > 150 && r < 100 && b < 100) return 'green';
  if (b > 150 && r < 100 && g < 100) return 'blue';
  return 'other';
}

/**
 * What a receiver shows: a remote video track played in a `<video>` element and sampled through
 * a canvas, as an app would display it. `close` in teardown.
 */
export class ColourWatch {
  private readonly video = document.createElement('video');
  private readonly context = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;

  constructor(track: MediaStreamTrack) {
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = new MediaStream([track]);
    // no frame yet is fine: the samples say 'other' until one is decoded
    void this.video.play().catch(() => undefined);
  }

  /** The colour of the frame shown now (its centre). */
  now(): Colour | 'other' {
    if (this.video.videoWidth === 0) return 'other';
    this.context.canvas.width = this.video.videoWidth;
    this.context.canvas.height = this.video.videoHeight;
    this.context.drawImage(this.video, 0, 0);
    return nameOf(this.context.getImageData(this.video.videoWidth >> 1, this.video.videoHeight >> 1, 1, 1).data);
  }

  /** Resolves once the shown frame is `colour`; fails after the mesh timeout, saying what it showed. */
  async until(colour: Colour): Promise<void> {
    const deadline = Date.now() + MESH_TIMEOUT_MS;
    const seen = new Set<string>();
    for (;;) {
      const shown = this.now();
      if (shown === colour) return;
      seen.add(shown);
      if (Date.now() > deadline) throw new Error(`the receiver never showed ${colour} (it showed ${[...seen].join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  }

  /** Watches for `ms`: fails if a frame of `colour` is shown meanwhile. */
  async never(colour: Colour, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (this.now() === colour) throw new Error(`the receiver showed ${colour}`);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  }

  close(): void {
    this.video.pause();
    this.video.srcObject = null;
  }
}
