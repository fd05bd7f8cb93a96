import Hls from 'hls.js';
import { useEffect, useRef } from 'react';

/** HLS through hls.js (MediaSource), or natively where the browser plays HLS itself (Safari). */
export function Player({ src, poster }: { src: string; poster: string | null }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = video.current;
    if (!el) return;
    if (Hls.isSupported()) {
      const hls = new Hls({
        xhrSetup: (xhr) => {
          xhr.withCredentials = true;
        },
      });
      hls.loadSource(src);
      hls.attachMedia(el);
      return () => hls.destroy();
    }
    el.src = src;
  }, [src]);
  return <video ref={video} className="player" controls autoPlay muted playsInline poster={poster ?? undefined} data-testid="player" />;
}
