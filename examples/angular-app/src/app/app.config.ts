import { provideZoneChangeDetection, type ApplicationConfig } from '@angular/core';

// zone.js change detection, as most Angular apps still run: the case rtcpool must keep quiet in
export const appConfig: ApplicationConfig = {
  providers: [provideZoneChangeDetection({ eventCoalescing: true })],
};
