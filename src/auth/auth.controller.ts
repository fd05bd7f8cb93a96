import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../http/api-error';
import { parseOr400 } from '../http/validate';
import { CurrentUser, Public } from './auth.guard';
import { LoginLimiter } from './login-limiter';
import { SessionService } from './session.service';
import { AuthUser, newPasswordSchema, SESSION_COOKIE } from '../users/user.types';
import { UsersService } from '../users/users.service';

export const loginSchema = z.object({
  username: z.string({ message: 'username is required' }).min(1).max(64),
  password: z.string({ message: 'password is required' }).min(1).max(1024),
});

export const passwordChangeSchema = z.object({
  currentPassword: z.string({ message: 'currentPassword is required' }).min(1).max(1024),
  newPassword: newPasswordSchema,
});

@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly limiter: LoginLimiter,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { username, password } = parseOr400(loginSchema, body);
    const address = req.ip ?? 'unknown';
    await this.limiter.charge(username, address);
    const verified = await this.users.verify(username, password);
    if (!verified) throw new ApiError(401, 'bad_credentials', 'That username and password do not match.');
    await this.limiter.succeeded(username, address);
    const { user } = verified;
    const token = await this.sessions.create(user, verified.sessionEpoch);
    this.setCookie(req, res, token);
    return { user, token };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.revoke(user.id, user.sessionDigest);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  /** Changing one's password ends every session of the account; the caller gets a fresh one. */
  @Post('password')
  @HttpCode(200)
  async changePassword(
    @CurrentUser() user: AuthUser,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { currentPassword, newPassword } = parseOr400(passwordChangeSchema, body);
    // A stolen session must not be a way to guess the password without limit.
    await this.limiter.charge(user.username, req.ip ?? 'unknown');
    if (!(await this.users.checkPassword(user.id, currentPassword))) {
      throw new ApiError(403, 'bad_credentials', 'The current password is not right.');
    }
    await this.limiter.succeeded(user.username, req.ip ?? 'unknown');
    await this.users.update(user.id, { password: newPassword });
    await this.sessions.revokeAll(user.id);
    const fresh = (await this.users.getForSession(user.id))!;
    const token = await this.sessions.create(fresh.user, fresh.sessionEpoch);
    const updated = fresh.user;
    this.setCookie(req, res, token);
    return { user: updated, token };
  }

  @Get('me')
  me(@CurrentUser() user: AuthUser) {
    return { user: { id: user.id, username: user.username, role: user.role } };
  }

  private setCookie(req: Request, res: Response, token: string): void {
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure, // true behind a TLS proxy when TRUST_PROXY says so
      path: '/',
      maxAge: this.sessions.ttlSeconds * 1000,
    });
  }
}
